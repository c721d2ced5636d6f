"""docs/results.md as `training.evaluate` writes it: the archive tables, the DDD tables, the
no-harm and lighting tables and the colour section, from the measured numbers."""

from training import ink
from training.documents import DIBCO_COLLECTIONS


def archive_report(
    results: dict[str, dict[str, dict[str, dict[str, float]]]], pages: list
) -> list[str]:
    collections = [name for name in DIBCO_COLLECTIONS if any(p.collection == name for p in pages)]
    counts = {name: sum(page.collection == name for page in pages) for name in collections}
    held_out = "; ".join(f"{DIBCO_COLLECTIONS[name]}: {counts[name]} pages" for name in collections)
    lines = [
        "## Real archive pages: held-out DIBCO collections",
        "",
        "Pages of collections no model here was trained on or selected with "
        f"({held_out}), scored by the DIBCO protocol on the black-and-white result "
        "(`--mode bw` for the models): F-measure (FM), pseudo F-measure (pFM), PSNR (dB), "
        "DRD (lower is better) and ink recall (share of ground-truth ink pixels kept). Every "
        'page weighs the same; "pooled" averages all held-out pages.',
        "",
        "| method | FM | pFM | PSNR | DRD | ink recall | "
        + " | ".join(f"FM {name}" for name in collections)
        + " |",
        "|---|" + "---|" * (5 + len(collections)),
    ]
    for name, by_scale in results.items():
        pooled = by_scale["@1"]["pooled"]
        cells = [
            f"{pooled[metric]:.1f}" if metric != "drd" else f"{pooled[metric]:.2f}"
            for metric in ink.METRICS
        ]
        cells += [f"{by_scale['@1'][collection]['fm']:.1f}" for collection in collections]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    scales = [tag for tag in next(iter(results.values()))]
    lines += [
        "",
        "Text scale: the same pages resampled (ground truth alike) with no DPI in the file; "
        "pooled F-measure / ink recall.",
        "",
        "| method | " + " | ".join(f"{tag[1:]}×" for tag in scales) + " |",
        "|---|" + "---|" * len(scales),
    ]
    for name, by_scale in results.items():
        cells = [
            f"{by_scale[tag]['pooled']['fm']:.1f} / {by_scale[tag]['pooled']['recall']:.1f}"
            for tag in scales
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def write_report(
    results: dict[str, dict[str, float]],
    pages: int,
    use_ocr: bool,
    lighting: dict[str, dict[str, float]] | None = None,
    archives: list[str] | None = None,
    clean: dict[str, dict[str, float]] | None = None,
    colour: list[str] | None = None,
    photos: list[str] | None = None,
) -> str:
    lines = ["# Cleaning quality and speed", ""]
    lines += [
        "Produced by `make bench` (`python -m training.evaluate`) through the engine's own "
        "page preparation, tiling and ONNX Runtime session, on this 2-core CPU in one run.",
        "",
    ]
    if archives:
        lines += [*archives, ""]
    header = "| method | scale | RMSE | PSNR (dB) | SSIM |" + (" OCR CER |" if use_ocr else "")
    lines += [
        "## DDD validation texts",
        "",
        f"{pages} validation pages ({pages // 4} texts never seen in training, each on four "
        "backgrounds; split in `training/split.json`). RMSE pools the pages' mean squared "
        "errors, each page weighing the same (grey levels 0..1; lower is better). OCR CER "
        "(at 1×): Tesseract's reading of the result against its reading of the clean page "
        "(lower is better). Other scales resample noisy and clean pages alike and give "
        "them no DPI.",
        "",
        header,
        "|" + "---|" * (header.count("|") - 1),
    ]
    for name, metrics in results.items():
        for scale in ink.SCALES:
            tag = f"@{scale:g}"
            if f"rmse{tag}" not in metrics:
                continue
            row = (
                f"| {name} | {scale:g}× | {metrics[f'rmse{tag}']:.4f} | "
                f"{metrics[f'psnr{tag}']:.2f} | {metrics[f'ssim{tag}']:.4f} |"
            )
            if use_ocr:
                row += f" {metrics[f'cer{tag}']:.3f} |" if f"cer{tag}" in metrics else " |"
            lines.append(row)
    lines += ["", "| method | throughput (MP/s, native pages) |", "|---|---|"]
    lines += [f"| {name} | {metrics['mps']:.2f} |" for name, metrics in results.items()]
    if clean:
        read = all("ocr_same" in m for m in clean.values())
        lines += [
            "",
            "No harm: pages that are already clean, cleaned again. DDD: the validation texts' "
            "clean pages (RMSE against themselves, share of their ink kept); DIBCO: the "
            "held-out ground-truth pages (share of their ink kept)."
            + (
                " OCR: Tesseract on the DDD clean pages and the held-out collections' printed "
                "ground-truth pages, cleaned, against its reading of the page itself: the "
                "share of pages it reads exactly as before, and the mean CER."
                if read
                else ""
            ),
            "",
            "| method | DDD clean RMSE | DDD ink kept (%) | DIBCO truth ink kept (%) |"
            + (" OCR unchanged (%) | OCR CER |" if read else ""),
            "|---|---|---|---|" + ("---|---|" if read else ""),
        ]
        for name, m in clean.items():
            row = f"| {name} | {m['rmse']:.4f} | {m['kept']:.1f} | {m['kept_truth']:.1f} |"
            if read:
                row += f" {m['ocr_same']:.0f} | {m['ocr_cer']:.4f} |"
            lines.append(row)
    if lighting:
        changes = list(next(iter(lighting.values())))  # the same changes for every method
        lines += [
            "",
            "Lighting: RMSE at native resolution when the noisy page is darker, lighter or "
            "flatter than the data set's scans (gamma, contrast and brightness changed; the "
            "clean page stays as it is).",
            "",
            "| method | as scanned | " + " | ".join(changes) + " |",
            "|---|---|" + "---|" * len(changes),
        ]
        for name, changed in lighting.items():
            cells = [f"{results[name]['rmse@1']:.4f}"] + [f"{changed[c]:.4f}" for c in changes]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if colour:
        lines += ["", *colour]
    if photos:
        lines += ["", *photos]
    return "\n".join(lines) + "\n"
