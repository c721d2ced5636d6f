"""A tiny end-to-end training run: a few steps, export, parity, and the engine cleans with it."""

import json
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import onnx
import pytest

from engine.cleaning import clean_page
from engine.denoiser import Denoiser, read_card
from training.config import TrainConfig
from training.data import default_data_dir, group_by_text, list_pairs, load_split, split_files
from training.export import ExportError, export_onnx, parity_error
from training.models import (
    full_resolution_denoiser,
    load_checkpoint,
    macs_per_pixel,
    receptive_field_radius,
    seed_autoencoder,
    subpixel_denoiser,
    total_stride,
)
from training.train import softened, train

pytestmark = pytest.mark.skipif(
    not (default_data_dir() / "train").is_dir(), reason="shared data not available"
)


def test_split_is_by_text_and_reproducible() -> None:
    split = load_split()
    train_files, validation_files = split_files(split, "train"), split_files(split, "validation")
    assert not set(train_files) & set(validation_files)
    assert len(train_files) + len(validation_files) == len(list_pairs(default_data_dir()))
    for group in group_by_text(list_pairs(default_data_dir())):
        assert set(group) <= set(train_files) or set(group) <= set(validation_files)


def test_seed_architecture_is_the_reference() -> None:
    model = seed_autoencoder()
    convs = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    assert [layer.filters for layer in convs] == [32, 16, 8, 8, 16, 32, 1]
    assert {layer.kernel_size for layer in convs} == {(3, 3)}
    assert [layer.activation.__name__ for layer in convs] == ["relu"] * 6 + ["sigmoid"]
    assert model.input_shape == (None, 420, 540, 1)
    assert model.loss == "binary_crossentropy"
    assert receptive_field_radius(model) == 7 and total_stride(model) == 1


def test_production_models_are_cheaper_than_the_seed() -> None:
    seed_macs = macs_per_pixel(seed_autoencoder())
    for model in (subpixel_denoiser(), full_resolution_denoiser()):
        assert macs_per_pixel(model) < 0.6 * seed_macs
        assert total_stride(model) == 4
    assert receptive_field_radius(subpixel_denoiser()) == 32
    assert receptive_field_radius(full_resolution_denoiser()) == 20


def test_dilations_widen_the_receptive_field_at_the_same_cost() -> None:
    plain, dilated = subpixel_denoiser(), subpixel_denoiser(dilations=(1, 2, 2, 4))
    assert macs_per_pixel(dilated) == macs_per_pixel(plain)
    assert dilated.count_params() == plain.count_params()
    assert receptive_field_radius(dilated) == 52
    with pytest.raises(ValueError, match="expected 4 dilations"):
        subpixel_denoiser(dilations=(1, 2))


def test_quarter_width_sets_the_low_resolution_channels_only() -> None:
    plain, wide = subpixel_denoiser(), subpixel_denoiser(quarter_width=48)
    quarter = [layer for layer in wide.layers if isinstance(layer, keras.layers.Conv2D)][3:8]
    assert {layer.filters for layer in quarter} == {48}
    assert receptive_field_radius(wide) == receptive_field_radius(plain)
    assert 1.4 < macs_per_pixel(wide) / macs_per_pixel(plain) < 1.7
    assert subpixel_denoiser(quarter_width=32).count_params() == plain.count_params()


def test_the_receptive_field_radius_bounds_what_reaches_a_pixel() -> None:
    keras.utils.set_random_seed(0)
    model = subpixel_denoiser((128, 128), width=4, depth=1, dilations=(2, 3))
    radius = receptive_field_radius(model)
    page = np.full((1, 128, 128, 1), 0.5, np.float32)
    centre = model.predict(page, verbose=0)[0, 64, 64, 0]
    for distance, reaches in ((radius + 1, False), (radius // 2, True)):
        changed = page.copy()
        changed[0, 64 + distance, 64] = 0.0
        moved = model.predict(changed, verbose=0)[0, 64, 64, 0] != centre
        assert moved == reaches, distance


def test_through_its_logit_the_untrained_network_returns_the_page() -> None:
    keras.utils.set_random_seed(0)
    model = subpixel_denoiser((64, 64), width=4, depth=1, page_skip="logit")
    page = np.random.default_rng(0).uniform(0.05, 0.95, (1, 64, 64, 1)).astype(np.float32)
    assert np.abs(model.predict(page, verbose=0) - page).max() < 0.05
    linear = subpixel_denoiser((64, 64), width=4, depth=1)  # a soft threshold instead
    assert np.abs(linear.predict(page, verbose=0) - page).max() > 0.05
    with pytest.raises(ValueError, match="page_skip"):
        subpixel_denoiser(page_skip="square")


def test_subpixel_model_convolves_nothing_at_full_resolution() -> None:
    model = subpixel_denoiser()
    full_size = [
        layer
        for layer in model.layers
        if layer.output.shape[1:3] == (420, 540) and layer.__class__.__name__ != "InputLayer"
    ]
    # One learned 2×2 up-sampling to a single channel, the page's scale and offset, the sum.
    kinds = sorted(layer.__class__.__name__ for layer in full_size)
    assert kinds == ["Activation", "Add", "Conv2DTranspose", "ScaleOffset"]
    (upsampling,) = (layer for layer in full_size if layer.__class__.__name__ == "Conv2DTranspose")
    assert upsampling.filters == 1 and upsampling.strides == (2, 2)


def test_tiny_training_exports_a_model_the_engine_uses(tmp_path: Path) -> None:
    config = TrainConfig(
        name="tiny",
        model="subpixel",
        width=8,
        depth=1,
        patch_size=32,
        batch_size=2,
        steps_per_epoch=2,
        epochs=2,
        schedule="cosine",
        output_dir=str(tmp_path / "runs"),
        export_path=str(tmp_path / "tiny.onnx"),
    )
    checkpoint = train(config)
    assert checkpoint.is_file()
    assert (tmp_path / "runs" / "tiny" / "log.csv").read_text().count("\n") == 3
    card = json.loads((tmp_path / "tiny.json").read_text())
    assert card["parameters"] == subpixel_denoiser(width=8, depth=1).count_params()
    assert card["parity_max_abs_diff"] < 1e-4 and card["receptive_field_radius"] == 20
    metadata = {p.key: p.value for p in onnx.load(tmp_path / "tiny.onnx").metadata_props}
    assert metadata["docclean.margin"] == "20" and metadata["docclean.alignment"] == "4"

    tuned = train(
        replace(
            config,
            name="tuned",
            loss="mse",
            epochs=1,
            start_from=str(checkpoint),
            export_path="",
        )
    )
    before, after = load_checkpoint(checkpoint), load_checkpoint(tuned)
    assert [w.shape for w in after.get_weights()] == [w.shape for w in before.get_weights()]
    assert any(
        not np.array_equal(a, b)
        for a, b in zip(after.get_weights(), before.get_weights(), strict=True)
    )

    denoiser = Denoiser(tmp_path / "tiny.onnx")  # verifies the card's sha256 too
    assert denoiser.margin == 20 and denoiser.name == "tiny"
    page = np.random.default_rng(0).integers(0, 256, (500, 700), dtype=np.uint8)
    cleaned = clean_page(page, denoiser)
    assert cleaned.shape == page.shape and np.isfinite(cleaned).all()


def test_tiny_documents_training_declares_its_page_preparation(tmp_path: Path) -> None:
    config = TrainConfig(
        name="tiny_documents",
        width=8,
        depth=1,
        recipe="documents",
        loss="binary_crossentropy",
        ink_weight=2.0,
        ink_recall=0.9,
        patch_size=32,
        batch_size=2,
        steps_per_epoch=2,
        epochs=1,
        ddd_weight=0.3,
        ddd_rescaled_weight=0.1,
        ddd_rescaled_scale=(0.5, 4.0),
        dibco_weight=0.4,
        dibco_scale=(0.5, 1.6),
        synthetic_pairs=2,
        synthetic_weight=0.1,
        colour_pairs=2,
        colour_weight=0.1,
        figure_pairs=2,
        figure_weight=0.1,
        clean_weight=0.1,
        faint=0.5,
        max_stroke_width=12,
        page_skip="logit",
        output_dir=str(tmp_path / "runs"),
        export_path=str(tmp_path / "tiny.onnx"),
    )
    train(config)
    metadata = {p.key: p.value for p in onnx.load(tmp_path / "tiny.onnx").metadata_props}
    assert metadata["docclean.input"] == "paper_normalised"
    assert metadata["docclean.max_stroke_width"] == "12"
    card = json.loads((tmp_path / "tiny.json").read_text())
    threshold = card["training"]["calibration"]["ink_threshold"]
    assert threshold >= 0.5 and card["ink_threshold"] == threshold
    assert "H-DIBCO 2014 (ICFHR), handwritten" in card["data"]["dibco_held_out_collections"]
    assert "Nabuco" in " ".join(card["data"]["dibco_training_collections"])
    assert "Pratikakis" in card["data"]["attribution"]
    assert "2 synthetic colour pages" in card["data"]["pairs"]
    assert card["data"]["shares"]["synthetic colour"] == 0.1
    assert "2 synthetic pages with solid ink and shaded panels" in card["data"]["pairs"]
    assert "H-DIBCO 2016" in (tmp_path / "tiny.md").read_text()
    denoiser = Denoiser(tmp_path / "tiny.onnx")
    assert denoiser.paper_normalised and denoiser.max_stroke_width == 12
    assert denoiser.ink_threshold == threshold


def test_ink_weighted_loss_weighs_ink_more() -> None:
    from training.models import InkWeightedCrossEntropy

    truth = np.array([[[[0.0], [1.0]]]], np.float32)
    missed = np.array([[[[0.9], [1.0]]]], np.float32)  # the ink pixel came out as paper
    specked = np.array([[[[0.0], [0.1]]]], np.float32)  # the paper pixel came out as ink
    plain, weighted = InkWeightedCrossEntropy(1.0), InkWeightedCrossEntropy(3.0)
    assert float(plain(truth, missed)) == pytest.approx(float(plain(truth, specked)), rel=1e-4)
    assert float(weighted(truth, missed)) == pytest.approx(3 * float(plain(truth, missed)), 1e-4)
    assert float(weighted(truth, specked)) == pytest.approx(float(plain(truth, specked)), 1e-4)
    with pytest.raises(ValueError, match="ink_weight"):
        InkWeightedCrossEntropy(0.0)


def test_config_refuses_bad_values() -> None:
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(name="x", schedule="linear")
    for share in ("lighting", "low_resolution", "faint"):
        with pytest.raises(ValueError, match=share):
            TrainConfig(name="x", **{share: 1.5})
    with pytest.raises(ValueError, match="faintest"):
        TrainConfig(name="x", faintest=0.0)
    with pytest.raises(ValueError, match="bleed_sharpest"):
        TrainConfig(name="x", bleed_sharpest=0.1)
    with pytest.raises(ValueError, match="ink_weight"):
        TrainConfig(name="x", loss="mse", ink_weight=2.0)
    with pytest.raises(ValueError, match="dibco_scale"):
        TrainConfig(name="x", dibco_scale=(2.0, 1.0))
    with pytest.raises(ValueError, match="page_skip"):
        TrainConfig(name="x", page_skip="square")
    with pytest.raises(ValueError, match="max_stroke_width"):
        TrainConfig(name="x", engine_scales=True)


def test_every_shipped_config_loads() -> None:
    configs = sorted(Path(__file__).parents[2].glob("training/configs/**/*.toml"))
    assert len(configs) >= 8
    for path in configs:
        config = TrainConfig.load(path)
        assert config.name and config.export_path.endswith(".onnx"), path
        if "ablations" in path.parts:
            assert config.export_path.startswith("runs/"), path  # ablations are not shipped


def test_export_refuses_a_model_that_fails_parity(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("training.export.PARITY_TOLERANCE", 0.0)
    with pytest.raises(ExportError, match="differs from Keras"):
        export_onnx(seed_autoencoder((None, None)), tmp_path / "bad.onnx", name="bad")
    assert not (tmp_path / "bad.onnx").exists()


def test_parity_error_measures_a_real_difference(tmp_path: Path) -> None:
    model = seed_autoencoder((None, None))
    export_onnx(model, tmp_path / "seed.onnx", name="seed")
    other = seed_autoencoder()  # different random weights
    tiles = np.random.default_rng(0).random((1, 420, 540, 1), dtype=np.float32)
    assert parity_error(tmp_path / "seed.onnx", other, tiles) > 1e-3


def test_export_appends_the_guided_refinement_and_checks_it(tmp_path: Path) -> None:
    model = seed_autoencoder((None, None))
    plain = export_onnx(model, tmp_path / "plain.onnx", name="plain")
    card = export_onnx(model, tmp_path / "refined.onnx", name="refined", guided_refinement=True)
    assert card["refinement"] and plain["refinement"] is None
    assert card["receptive_field_radius"] == plain["receptive_field_radius"] + 2
    assert card["parity_max_abs_diff"] < 1e-4  # against Keras's output, refined in numpy
    denoiser = Denoiser(tmp_path / "refined.onnx")
    assert denoiser.margin == plain["receptive_field_radius"] + 2
    tiles = np.random.default_rng(0).random((1, 420, 540), dtype=np.float32)
    assert np.abs(denoiser.run(tiles) - Denoiser(tmp_path / "plain.onnx").run(tiles)).max() > 1e-3


def test_export_names_the_low_resolution_model(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"low-resolution model .* first"):
        export_onnx(seed_autoencoder(), tmp_path / "x.onnx", "x", low_resolution_model="soft.onnx")
    soft = export_onnx(
        seed_autoencoder((None, None)), tmp_path / "soft.onnx", "soft", working_dpi=200
    )
    card = export_onnx(
        seed_autoencoder((None, None)),
        tmp_path / "main.onnx",
        name="main",
        working_dpi=200,
        low_resolution_model="soft.onnx",
    )
    metadata = {p.key: p.value for p in onnx.load(tmp_path / "main.onnx").metadata_props}
    assert metadata["docclean.low_resolution_model"] == "soft.onnx"
    assert metadata["docclean.low_resolution_sha256"] == soft["sha256"]
    assert Denoiser(tmp_path / "main.onnx").low_resolution is not None
    assert card["low_resolution_model"] == "soft.onnx"
    assert "go to `soft.onnx`" in (tmp_path / "main.md").read_text()
    with pytest.raises(ExportError, match="file name"):
        export_onnx(seed_autoencoder(), tmp_path / "x.onnx", "x", low_resolution_model="a/b.onnx")


def test_config_keeps_the_low_resolution_model_beside_the_export() -> None:
    TrainConfig(name="x", export_path="m/a.onnx", low_resolution_model="m/b.onnx")
    with pytest.raises(ValueError, match="beside export_path"):
        TrainConfig(name="x", export_path="m/a.onnx", low_resolution_model="n/b.onnx")


def test_calibration_finds_the_threshold_that_keeps_the_ink(tmp_path: Path) -> None:
    from training.calibration import THRESHOLDS, calibrate, ink_threshold, recalibrate
    from training.documents import load_dibco

    recalls = np.linspace(0.8, 0.99, len(THRESHOLDS))
    assert ink_threshold(recalls, 0.8) == 0.5
    assert ink_threshold(recalls, 0.9) == THRESHOLDS[int(np.argmax(recalls >= 0.9))]
    assert ink_threshold(recalls, 1.0) == THRESHOLDS[-1]

    model = subpixel_denoiser((None, None), width=4, depth=1)
    pages = load_dibco(("hdibco2016",))[:1]
    measured = calibrate(
        model, pages, 0.99, lambda candidate, path: export_onnx(candidate, path, name="x")
    )
    assert measured["ink_threshold"] >= 0.5
    assert measured["training_collections_recall"] >= measured["training_collections_recall_plain"]
    assert measured["training_collections_fm"] >= measured["training_collections_fm_plain"]
    # An exported model calibrated again through the engine: the same result, written into
    # its metadata and its card, whose sha256 still matches the file.
    export_onnx(model, tmp_path / "x.onnx", name="x", training={"config": {"ink_recall": 0.99}})
    assert recalibrate(tmp_path / "x.onnx", pages) == measured
    denoiser = Denoiser(tmp_path / "x.onnx")
    assert denoiser.ink_threshold == measured["ink_threshold"]
    assert denoiser.ink_core == (measured["ink_core"] or None)
    card = read_card(tmp_path / "x.onnx")
    assert card["training"]["calibration"] == measured
    assert card["ink_threshold"] == measured["ink_threshold"]


def test_a_core_is_chosen_where_it_drops_show_through_and_keeps_the_ink() -> None:
    from training.calibration import ink_core

    truth = np.full((60, 80), 255, np.uint8)
    truth[10:14, 5:75] = 0
    cleaned = np.ones((60, 80), np.float32)
    cleaned[10:14, 5:75] = 0.05  # a stroke the network is sure of
    cleaned[30:50, 20:40] = 0.5  # show-through it is not
    threshold, core, measured = ink_core([cleaned], [truth], 0.6)
    assert core is not None and threshold == 0.6
    assert measured["training_collections_fm"] == 1.0 > measured["training_collections_fm_plain"]
    faint = np.where(truth == 0, 0.5, 1.0).astype(np.float32)  # no core: a core loses it
    assert ink_core([faint], [truth], 0.6)[:2] == (0.6, None)
    # The same core is refused where it would drop the faint ink of the safety pages.
    threshold, core, measured = ink_core([cleaned], [truth], 0.6, ([faint], [truth]))
    assert (threshold, core) == (0.6, None) and measured["strongest_core"] > 0
    assert measured["safety_pages_recall_strongest_core"] < measured["safety_pages_recall_plain"]


def test_softened_truth_blurs_only_the_edges_of_its_strokes() -> None:
    truth = np.full((40, 40), 255, np.uint8)
    truth[10:30, 15:25] = 0
    assert softened(truth, 0.0) is truth
    soft = softened(truth, 0.7)
    assert soft[20, 20] == 0 and soft[2, 2] == 255  # inside and far from the stroke
    assert 30 < soft[20, 15] < 225 and 30 < soft[20, 24] < 225  # its edges anti-aliased
    assert soft.dtype == np.uint8
