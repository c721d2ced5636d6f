; Inno Setup script: a Windows installer for the one-folder bundle that build.spec makes.
; packaging/build.py runs it when ISCC (Inno Setup 6) is on PATH:
;   ISCC /DAppVersion=0.1.0 /DBundleDir=dist\DocClean /DOutputDir=dist packaging\windows\docclean.iss
; Installs per user without administrator rights (or for all users, if chosen), adds a
; Start menu entry, an optional desktop icon, and an uninstaller.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\DocClean"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
AppId={{5C0E6B0B-3E0A-4E5B-9D6A-6F1D2C9A7E41}
AppName=DocClean
AppVersion={#AppVersion}
AppVerName=DocClean {#AppVersion}
AppPublisher=DocClean
DefaultDirName={autopf}\DocClean
DefaultGroupName=DocClean
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=DocClean-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\docclean.ico
UninstallDisplayIcon={app}\DocClean.exe
LicenseFile=..\licenses\NOTICE.txt
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A previous version's files that this one no longer ships.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\DocClean"; Filename: "{app}\DocClean.exe"
Name: "{autodesktop}\DocClean"; Filename: "{app}\DocClean.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\DocClean.exe"; Description: "{cm:LaunchProgram,DocClean}"; Flags: nowait postinstall skipifsilent
