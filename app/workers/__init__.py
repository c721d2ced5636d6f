"""Work that runs off the GUI thread; receives plain values, never widgets."""
