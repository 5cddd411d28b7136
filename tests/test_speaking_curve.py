"""The take's speaking curves hold over short pauses, as the corpus's teacher marks speaking
(signal.SPEAKING_BRIDGE_S): signal.bridge_dips and generation's use of it."""

from __future__ import annotations

import numpy as np

from duet.model import generation, spec
from duet.model.network_config import OUT_SPEAKING
from duet.model.signal import SPEAKING_BRIDGE_S, bridge_dips, mask_to_spans


def test_short_interior_dips_are_lifted_onto_the_line_between_their_sides():
    curve = np.array([0.1, 0.9, 0.8, 0.2, 0.3, 0.6, 0.2, 0.1, 0.1, 0.1, 0.7, 0.0])
    out = bridge_dips(curve, 3)
    # the 2-frame dip between 0.8 and 0.6 is lifted onto 0.8 -> 0.6; the 4-frame one stays, and so
    # do the runs at either end (not between two stretches of speech)
    np.testing.assert_allclose(out[3:5], [0.8 - 0.2 / 3, 0.8 - 0.4 / 3])
    kept = [0, 1, 2, 5, 6, 7, 8, 9, 10, 11]
    np.testing.assert_array_equal(out[kept], curve[kept])
    np.testing.assert_array_equal(bridge_dips(curve, 5)[6:10] > 0.5, True)
    assert out is not curve and curve[3] == 0.2  # a copy
    # a value already above the line is kept
    np.testing.assert_allclose(bridge_dips(np.array([0.9, 0.5, 0.9]), 3), [0.9, 0.9, 0.9])
    np.testing.assert_array_equal(bridge_dips(np.zeros(4), 10), 0.0)


def test_the_network_speaking_curve_is_bridged_in_the_performance():
    fps = spec.NATIVE_FPS
    n = 200
    y = np.zeros((n, 2, OUT_SPEAKING + 1), np.float32)
    talk = np.zeros(n, np.float32)
    talk[20:60] = 0.9
    talk[70:100] = 0.9  # a 0.2 s pause: bridged
    talk[150:190] = 0.9  # after a 1 s pause: not
    y[:, 0, OUT_SPEAKING] = talk
    perf = generation._performance(y, fps)
    spans = mask_to_spans(perf.speaking["A"] > 0.5).tolist()
    assert spans == [[20, 100], [150, 190]]
    assert 10 < SPEAKING_BRIDGE_S * fps < 50  # the 0.2 s pause is inside the bridge, the 1 s one is not
    assert not (perf.speaking["B"] > 0.5).any()
