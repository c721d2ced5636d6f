"""The guided refinement at a model's output: the network decides what is ink and paper, the
page it saw decides where a stroke's edges lie.

A guided filter (He, Sun and Tang) whose guide is the network's input (the page divided by
its paper): within each RADIUS window the output is fitted as a linear function of the
input, and the fits are averaged. Where the output is flat (paper, solid ink) it stays as
it is; across a stroke's edge it takes the page's own profile instead of the network's
softer one, and a stain inside a window of paper is still paper. Appended to the exported
ONNX graph (float, also in the INT8 model), so the engine runs it in the same session, tile
by tile; it widens the receptive field by 2 × RADIUS px, which the margin metadata carries.

    python -m training.refinement MODEL.onnx [--eps EPS] [--radius R]

adds it to a model file in place (and to nothing twice), its card beside it kept true to
it; `make train` does with `guided_refinement = true`. Radius and eps were chosen on every
second page of the DIBCO training collections and the DDD validation texts. The bundled
model does without it: its grey levels come nearer DDD's, but red inks lose ink and pages
take a fifth longer (docs/model.md, "A guided refinement at the model's output").
"""

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from engine.denoiser import MARGIN_KEY, read_card, sha256_of
from training.model_card import write_card

REFINEMENT_KEY = "docclean.refinement"
PREFIX = "guided_refinement/"
RADIUS = 1
EPS = 1e-4


def describe(radius: int = RADIUS, eps: float = EPS) -> str:
    return f"guided filter on the input, radius {radius} px, eps {eps:g}"


def is_refined(model: onnx.ModelProto) -> bool:
    return any(prop.key == REFINEMENT_KEY for prop in model.metadata_props)


def add_guided_refinement(
    model: onnx.ModelProto, radius: int = RADIUS, eps: float = EPS
) -> onnx.ModelProto:
    """`model` (one grey input and output of the same shape, NHWC or NCHW, fixed height and
    width) with its output refined by a guided filter on its input (in place; returned)."""
    if is_refined(model):
        raise ValueError("the model is refined already")
    graph = model.graph
    (page,), (clean,) = graph.input, graph.output
    dims = [dim.dim_value for dim in page.type.tensor_type.shape.dim]
    channels_last = dims[-1] == 1
    height, width = dims[1:3] if channels_last else dims[2:4]
    network = PREFIX + "network"
    for node in graph.node:
        node.output[:] = [network if name == clean.name else name for name in node.output]
    nodes: list[onnx.NodeProto] = []

    def add(op: str, inputs: list[str], name: str, **attributes: object) -> str:
        output = PREFIX + name
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attributes))
        return output

    def constant(name: str, value: np.ndarray) -> str:
        graph.initializer.append(numpy_helper.from_array(value, PREFIX + name))
        return PREFIX + name

    def mean(tensor: str, name: str) -> str:
        size = 2 * radius + 1
        return add(
            "AveragePool",
            [tensor],
            name,
            kernel_shape=[size, size],
            pads=[radius] * 4,
            count_include_pad=0,
        )

    guide, output = page.name, network
    if channels_last:
        planes = constant("planes", np.array([-1, 1, height, width], np.int64))
        guide = add("Reshape", [page.name, planes], "guide")
        output = add("Reshape", [network, planes], "output")
    mean_guide, mean_output = mean(guide, "mean_guide"), mean(output, "mean_output")
    mean_product = mean(add("Mul", [guide, output], "product"), "mean_product")
    mean_square = mean(add("Mul", [guide, guide], "square"), "mean_square")
    covariance = add(
        "Sub", [mean_product, add("Mul", [mean_guide, mean_output], "means")], "covariance"
    )
    variance = add(
        "Sub", [mean_square, add("Mul", [mean_guide, mean_guide], "mean_squared")], "variance"
    )
    smoothed = add("Add", [variance, constant("eps", np.array(eps, np.float32))], "smoothed")
    slope = add("Div", [covariance, smoothed], "slope")
    offset = add("Sub", [mean_output, add("Mul", [slope, mean_guide], "fitted")], "offset")
    fitted = add("Mul", [mean(slope, "mean_slope"), guide], "fitted_guide")
    refined = add("Add", [fitted, mean(offset, "mean_offset")], "refined")
    zero, one = constant("zero", np.array(0, np.float32)), constant("one", np.array(1, np.float32))
    if channels_last:
        refined = add("Clip", [refined, zero, one], "clipped")
        shape = constant("pixels", np.array([-1, height, width, 1], np.int64))
        last = helper.make_node("Reshape", [refined, shape], [clean.name], name=PREFIX + "last")
    else:
        last = helper.make_node("Clip", [refined, zero, one], [clean.name], name=PREFIX + "last")
    nodes.append(last)
    graph.node.extend(nodes)
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    if MARGIN_KEY in metadata:
        metadata[MARGIN_KEY] = str(int(metadata[MARGIN_KEY]) + 2 * radius)
    metadata[REFINEMENT_KEY] = describe(radius, eps)
    helper.set_model_props(model, metadata)
    onnx.checker.check_model(model)
    return model


def guided_filter(
    output: np.ndarray, guide: np.ndarray, radius: int = RADIUS, eps: float = EPS
) -> np.ndarray:
    """The same refinement in numpy, on one 2-D tile (float32), for checking the graph."""

    def mean(values: np.ndarray) -> np.ndarray:
        padded = np.pad(values, radius, constant_values=np.nan)
        size = 2 * radius + 1
        windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))
        return np.nanmean(windows, axis=(-2, -1))

    mean_guide, mean_output = mean(guide), mean(output)
    covariance = mean(guide * output) - mean_guide * mean_output
    slope = covariance / (mean(guide * guide) - mean_guide**2 + eps)
    offset = mean_output - slope * mean_guide
    return np.clip(mean(slope) * guide + mean(offset), 0, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", type=Path)
    parser.add_argument("--radius", type=int, default=RADIUS)
    parser.add_argument("--eps", type=float, default=EPS)
    args = parser.parse_args(argv)
    model = onnx.load(args.model)
    onnx.save(add_guided_refinement(model, args.radius, args.eps), args.model)
    card = read_card(args.model)
    if card:  # kept true to the file: the engine checks its sha256
        card["refinement"] = describe(args.radius, args.eps)
        card["receptive_field_radius"] += 2 * args.radius
        card["sha256"] = sha256_of(args.model)
        write_card(card, args.model)
    print(f"{args.model}: guided refinement added (radius {args.radius}, eps {args.eps:g})")


if __name__ == "__main__":
    main()
