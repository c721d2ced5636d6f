"""Small real ONNX networks built with `onnx.helper`, for tests that need no trained model."""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _conv(name: str, x: str, weights: np.ndarray, bias: np.ndarray, stride: int = 1):
    kernel = weights.shape[-1]
    inits = [
        numpy_helper.from_array(weights, f"{name}_w"),
        numpy_helper.from_array(bias, f"{name}_b"),
    ]
    node = helper.make_node(
        "Conv",
        [x, f"{name}_w", f"{name}_b"],
        [name],
        kernel_shape=[kernel, kernel],
        pads=[kernel // 2] * 4,
        strides=[stride, stride],
    )
    return node, inits


def _save(
    path: Path,
    nodes: list,
    inits: list,
    spatial: tuple[int, int] | None,
    channels_last: bool,
    metadata: dict[str, str],
    x: str,
) -> Path:
    height, width = spatial if spatial else ("height", "width")
    if channels_last:
        shape = ["batch", height, width, 1]
        nodes = [helper.make_node("Transpose", ["page"], ["nchw"], perm=[0, 3, 1, 2]), *nodes]
        nodes.append(helper.make_node("Transpose", [x], ["clean"], perm=[0, 2, 3, 1]))
    else:
        shape = ["batch", 1, height, width]
        nodes = [helper.make_node("Identity", ["page"], ["nchw"]), *nodes]
        nodes.append(helper.make_node("Identity", [x], ["clean"]))
    graph = helper.make_graph(
        nodes,
        "test-denoiser",
        [helper.make_tensor_value_info("page", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("clean", TensorProto.FLOAT, shape)],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    for key, value in metadata.items():
        model.metadata_props.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.checker.check_model(model)
    path = Path(path)
    onnx.save(model, path)
    return path


def build_random_fcn(
    path: Path,
    depth: int = 3,
    width: int = 4,
    kernel: int = 3,
    spatial: tuple[int, int] | None = (420, 540),
    channels_last: bool = True,
    metadata: dict[str, str] | None = None,
    seed: int = 0,
) -> Path:
    """Conv/ReLU stack with a sigmoid output; receptive-field radius depth * (kernel // 2)."""
    rng = np.random.default_rng(seed)
    nodes, inits, x, channels = [], [], "nchw", 1
    for layer in range(depth):
        out = 1 if layer == depth - 1 else width
        weights = rng.normal(0, 0.6, (out, channels, kernel, kernel)).astype(np.float32)
        bias = rng.normal(0, 0.1, out).astype(np.float32)
        node, layer_inits = _conv(f"conv{layer}", x, weights, bias)
        nodes.append(node)
        inits += layer_inits
        activation = "Sigmoid" if layer == depth - 1 else "Relu"
        nodes.append(helper.make_node(activation, [f"conv{layer}"], [f"act{layer}"]))
        x, channels = f"act{layer}", out
    meta = {"docclean.margin": str(depth * (kernel // 2)), "docclean.alignment": "1"}
    return _save(path, nodes, inits, spatial, channels_last, {**meta, **(metadata or {})}, x)


def build_strided_fcn(
    path: Path,
    spatial: tuple[int, int] | None = (420, 540),
    seed: int = 1,
) -> Path:
    """Encoder-decoder: a stride-2 convolution, a transposed convolution and a skip."""
    rng = np.random.default_rng(seed)

    def weights(*shape: int) -> np.ndarray:
        return rng.normal(0, 0.5, shape).astype(np.float32)

    nodes, inits = [], []
    for name, x, w, stride in (
        ("enc", "nchw", weights(4, 1, 3, 3), 1),
        ("down", "enc_r", weights(4, 4, 3, 3), 2),
        ("mid", "down_r", weights(4, 4, 3, 3), 1),
    ):
        node, layer_inits = _conv(name, x, w, weights(4) * 0.1, stride)
        nodes += [node, helper.make_node("Relu", [name], [f"{name}_r"])]
        inits += layer_inits
    inits += [numpy_helper.from_array(weights(4, 4, 2, 2), "up_w")]
    nodes += [
        helper.make_node(
            "ConvTranspose", ["mid_r", "up_w"], ["up"], kernel_shape=[2, 2], strides=[2, 2]
        ),
        helper.make_node("Add", ["up", "enc_r"], ["skip"]),
    ]
    node, layer_inits = _conv("out", "skip", weights(1, 4, 3, 3), weights(1) * 0.1)
    nodes += [node, helper.make_node("Sigmoid", ["out"], ["out_s"])]
    inits += layer_inits
    # Radius: 1 (enc) + 1 (down) + 2 (mid, at half resolution) + 1 (up) + 1 (out) = 6.
    metadata = {"docclean.margin": "8", "docclean.alignment": "2"}
    return _save(path, nodes, inits, spatial, True, metadata, "out_s")


def build_brightener(path: Path, spatial: tuple[int, int] | None = (420, 540)) -> Path:
    """A tiny deterministic 'cleaner': 3×3 box blur, then brighten and clip to 0..1."""
    weights = np.full((1, 1, 3, 3), 1.0 / 9.0, dtype=np.float32)
    node, inits = _conv("blur", "nchw", weights, np.zeros(1, np.float32))
    inits += [
        numpy_helper.from_array(np.array(1.3, np.float32), "gain"),
        numpy_helper.from_array(np.array(0.0, np.float32), "low"),
        numpy_helper.from_array(np.array(1.0, np.float32), "high"),
    ]
    nodes = [
        node,
        helper.make_node("Mul", ["blur", "gain"], ["bright"]),
        helper.make_node("Clip", ["bright", "low", "high"], ["clipped"]),
    ]
    metadata = {"docclean.margin": "1", "docclean.alignment": "1", "docclean.name": "brightener"}
    return _save(path, nodes, inits, spatial, True, metadata, "clipped")


def build_three_channel_model(path: Path) -> Path:
    """A model DocClean must refuse: it wants RGB input."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["rgb"], ["out"])],
        "rgb-model",
        [helper.make_tensor_value_info("rgb", TensorProto.FLOAT, ["batch", 3, 64, 64])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", 3, 64, 64])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.save(model, path)
    return Path(path)


def build_identity(path: Path, metadata: dict[str, str] | None = None) -> Path:
    """A model that returns its input: shows exactly what the engine feeds a network."""
    meta = {"docclean.margin": "0", "docclean.alignment": "1", "docclean.name": "identity"}
    nodes = [helper.make_node("Identity", ["nchw"], ["same"])]
    return _save(path, nodes, [], (420, 540), True, {**meta, **(metadata or {})}, "same")
