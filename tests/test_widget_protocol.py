"""Protocol messages on their own: the page's messages checked field by
field, and the kernel's messages built from a Trace."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from lmscope import Trace, leastsq
from lmscope.trace import FIELDS
from lmscope.widget import protocol
from lmscope.widget.protocol import (
    Command,
    Compare,
    LandscapeParams,
    Pick,
    ProtocolError,
    Replay,
    Restore,
)


def test_valid_page_messages():
    assert protocol.parse_page_message({"type": "replay"}, 2) == Replay()
    assert protocol.parse_page_message(
        {"type": "pick", "i": 1, "j": 0, "xi": 2, "xj": -0.5}, 2
    ) == Pick(1, 0, 2.0, -0.5)
    assert protocol.parse_page_message(
        {"type": "landscape_params", "i": 0, "j": 2}, 3
    ) == LandscapeParams(0, 2)
    assert protocol.parse_page_message({"type": "restore", "fit_id": 3}, 2) == Restore(3)
    assert protocol.parse_page_message({"type": "compare", "fit_id": 2}, 2) == Compare(2)


@pytest.mark.parametrize(
    "content",
    [
        {"type": "pick", "i": 0, "j": 1, "xi": 1.0, "xj": 2.0, "__class__": "x"},
        {"type": "landscape_params", "i": 2**53, "j": 0},
        {"type": "landscape_params", "i": 0, "j": 1.0},
        {"type": ["replay"]},
        {"type": "restore", "fit_id": True},
        {"type": "restore", "fit_id": 0},
        {"type": "restore", "fit_id": "1"},
        {"type": "compare", "fit_id": -1},
        {"type": "compare", "fit_id": 1, "x": 0},
    ],
)
def test_invalid_page_messages_raise_protocol_error(content):
    with pytest.raises(ProtocolError):
        protocol.parse_page_message(content, 3)


def test_error_text_never_echoes_a_huge_input():
    with pytest.raises(ProtocolError) as info:
        protocol.parse_page_message({"type": "x" * 10_000}, 2)
    assert len(str(info.value)) < 200
    with pytest.raises(ProtocolError) as info:
        protocol.parse_page_message({"type": "pick", "i": 10**5000, "j": 0, "xi": 0, "xj": 0}, 2)
    assert "huge" in str(info.value) and len(str(info.value)) < 200


def test_steps_message_is_trace_chunks_then_curves():
    trace = Trace()
    leastsq(lambda x: np.array([x[0] - 1, 10 * (x[1] - x[0] ** 2)]), [-1.2, 1.0], trace=trace)
    curves = {"accepted": np.arange(5.0), "trial": np.ones(5)}
    content, buffers = protocol.steps_message(7, trace, 2, 5, curves)
    header, columns = trace.chunks(2, 5)
    assert content == {
        "type": "steps",
        "fit_id": 7,
        "start": 2,
        "count": 3,
        "columns": header,
        "curves": [
            {"name": "accepted", "dtype": "float64", "shape": [5]},
            {"name": "trial", "dtype": "float64", "shape": [5]},
        ],
    }
    assert [bytes(b) for b in buffers[: len(FIELDS)]] == [bytes(b) for b in columns]
    np.testing.assert_array_equal(np.frombuffer(buffers[-2], "<f8"), np.arange(5.0))


def test_finite_or_none():
    assert protocol.finite_or_none(float("nan")) is None
    assert protocol.finite_or_none(float("inf")) is None
    assert protocol.finite_or_none(np.float64(2.5)) == 2.5
    assert protocol.finite_or_none(None) is None


def test_command_messages():
    for name in protocol.COMMANDS:
        assert protocol.parse_page_message({"type": "command", "name": name}, 2) == Command(name)
    with pytest.raises(ProtocolError, match="name must be one of"):
        protocol.parse_page_message({"type": "command", "name": "__import__"}, 2)


def js_typedef_fields() -> dict[str, set[str]]:
    """The fields of each message kind in js/src/types.js's JSDoc typedefs."""
    text = (Path(__file__).resolve().parents[1] / "js" / "src" / "types.js").read_text()
    kinds = {}
    for body in re.findall(r"\{type: \"(\w+)\"((?:[^{}]|\{[^{}]*\})*)\}", text):
        kind, rest = body
        kinds[kind] = {"type", *re.findall(r"(\w+)\??:", rest)}
    return kinds


def test_kernel_messages_match_their_js_types():
    """One schema per message kind, mirrored in the JS types (which the JS
    type check holds the page to): same kinds, same fields."""
    trace = Trace()
    leastsq(lambda x: x - 1.0, [0.0, 0.0], trace=trace)
    built = [
        protocol.begin_message(1, 2, protocol.RUNNING),
        protocol.steps_message(1, trace, 0, 1, {})[0],
        protocol.state_message(1, protocol.PAUSED),
        protocol.end_message(1, {}),
        protocol.error_message("x"),
        protocol.run_trace_message(1, trace)[0],
    ]
    js = js_typedef_fields()
    for message in built:
        assert set(message) == js[message["type"]], message["type"]
    for kind in ("replay", "pick", "landscape_params", "command", "restore", "compare"):
        assert js[kind] == {"type", *protocol.page_message_fields(kind)}


def js_typedef_properties(name: str) -> set[str]:
    """The @property names of one JSDoc typedef in js/src/types.js."""
    text = (Path(__file__).resolve().parents[1] / "js" / "src" / "types.js").read_text()
    block = re.search(r"@typedef \{object\} " + name + r"\n(.*?)\*/", text, re.S)
    assert block, name
    return set(re.findall(r"@property \{[^\n]*\} \[?(\w+)", block.group(1)))


def test_synced_traits_and_the_summary_match_their_js_types():
    """Every synced trait of FitWidget is in the JS Traits typedef, and the
    parameter table's summary (errors.py) in the Summary typedef."""
    from lmscope.widget import FitWidget
    from lmscope.widget.errors import summary
    from lmscope.widget.fit_widget import _run_entry

    synced = {
        name
        for name, trait in FitWidget.class_traits(sync=True).items()
        if not name.startswith("_")
    }
    ours = synced - set(anywidget_base_traits())
    assert ours == js_typedef_properties("Traits")
    x = np.array([1.0, 2.0])
    table = summary(
        (x, np.eye(2), {"fvec": np.ones(4)}, "", 1), [False, True], [True, False], False
    )
    assert set(table) == js_typedef_properties("Summary")
    entry = {"fit_id": 1, "state": "success", "ier": 1, "fnorm": 0.5, "nfev": 3}
    run = _run_entry({**entry, "x0": np.zeros(2), "fixed": []})
    assert set(run) == js_typedef_properties("Run")


def anywidget_base_traits() -> set[str]:
    import anywidget

    return set(anywidget.AnyWidget.class_traits(sync=True))
