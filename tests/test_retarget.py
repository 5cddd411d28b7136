"""duet.model.retarget: scheme detection, bones, maps (JSON) and applying them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from duet.model import retarget as R
from duet.model.errors import InputError
from duet.model.retarget import schemes as rs
from duet.model.retarget import solve as RS
from duet.model.spec import ARKIT_INDEX, ARKIT_NAMES

META_OVR = [f"viseme_{v}" for v in "sil PP FF TH DD kk CH SS nn RR aa E ih oh ou".split()]
META_RPM = [f"viseme_{v}" for v in "sil PP FF TH DD kk CH SS nn RR aa E I O U".split()]
VRM0 = ["A", "I", "U", "E", "O", "Blink", "Blink_L", "Blink_R", "Joy", "Angry", "Sorrow", "Fun"]
VRM0 += ["LookUp", "LookDown", "LookLeft", "LookRight", "Neutral"]
VRM1 = ["aa", "ih", "ou", "ee", "oh", "blink", "blinkLeft", "blinkRight", "happy", "angry", "sad"]
VRM1 += ["relaxed", "surprised", "neutral", "lookUp", "lookDown", "lookLeft", "lookRight"]
PAPAGAYO = ["AI", "E", "O", "U", "WQ", "FV", "L", "MBP", "etc", "rest"]


def _arkit(**values: float) -> np.ndarray:
    row = np.zeros(52)
    for name, v in values.items():
        row[ARKIT_INDEX[name]] = v
    return row


def _pose_row(pose: dict[str, float]) -> np.ndarray:
    return _arkit(**pose)


# --------------------------------------------------------------------------- detection


def test_full_arkit_rig_with_bones() -> None:
    report = R.detect(list(ARKIT_NAMES), ["root", "neck", "head", "eye.L", "eye.R", "jaw"])
    arkit = report.scheme("arkit")
    assert arkit is not None and len(arkit.found) == 52 and not arkit.missing
    assert report.mouth_scheme == "arkit"
    assert (report.head_bone, report.neck_bone) == ("head", "neck")
    assert (report.eye_bone_left, report.eye_bone_right) == ("eye.L", "eye.R")
    lines = report.summary()
    assert "ARKit 52: matched 52/52" in lines
    assert "Head bone: head; neck: neck" in lines and "Eye bones: eye.L, eye.R" in lines


def test_partial_arkit_rig_lists_what_is_missing() -> None:
    keys = [n for n in ARKIT_NAMES if n not in ("cheekPuff", "tongueOut", "noseSneerLeft", "noseSneerRight")]
    lines = R.detect(keys).summary()
    assert lines[0] == "ARKit 52: matched 48/52, missing: cheekPuff, noseSneerLeft, noseSneerRight, tongueOut"
    assert "Bones: no armature (no head or eye rotation)" in lines


@pytest.mark.parametrize(
    ("key", "target"),
    [
        ("jawOpen", "jawOpen"),
        ("JawOpen", "jawOpen"),  # Unreal Live Link spelling
        ("jaw_open", "jawOpen"),
        ("blendShape1.jawOpen", "jawOpen"),  # Maya blendShape node
        ("Face:mouthSmileLeft", "mouthSmileLeft"),
        ("head_mesh|browInnerUp", "browInnerUp"),
        ("A25_Jaw_Open", "jawOpen"),  # Polywink numbering
        ("bs_cheekPuff", "cheekPuff"),
        ("A_tongueOut", "tongueOut"),
        ("eyeBlink_L", "eyeBlinkLeft"),
        ("EyeBlinkR", "eyeBlinkRight"),
        ("mouth_smile_right", "mouthSmileRight"),
        ("jawOpen.001", "jawOpen"),  # Blender's duplicate numbering
        ("mouthPucker_BS", "mouthPucker"),
        ("bs_eyeWide_L_shape", "eyeWideLeft"),
    ],
)
def test_arkit_spellings(key: str, target: str) -> None:
    arkit = R.detect([key]).scheme("arkit")
    assert arkit is not None and arkit.found == {target: key}


def test_unknown_names_are_reported_not_guessed() -> None:
    report = R.detect(["Smile", "Frown", "jawOpenWide", "eye"])
    assert not report.schemes and report.mouth_scheme is None
    assert report.unmatched == ("Smile", "Frown", "jawOpenWide", "eye")
    assert "none of the 4 names is known" in report.summary()[0]
    assert R.RetargetMap.default_for(report).targets == []


def test_meta_visemes_in_both_spellings() -> None:
    for keys, variant in ((META_OVR, "OVR"), (META_RPM, "Ready Player Me")):
        report = R.detect(keys)
        meta = report.scheme("meta")
        assert meta is not None and meta.variant == variant and len(meta.found) == 15
        assert report.mouth_scheme == "meta"
        assert f"Meta/Oculus visemes ({variant} names): matched 15/15" in report.summary()
    rpm = R.detect(META_RPM).scheme("meta")
    assert rpm.found["viseme_ou"] == "viseme_U" and rpm.found["viseme_ih"] == "viseme_I"
    missing = R.detect(META_OVR[:-3]).scheme("meta")
    assert missing.missing == ("viseme_ih", "viseme_oh", "viseme_ou")


def test_vrm_variants() -> None:
    for keys, variant in ((VRM1, "VRM 1.0"), (VRM0, "VRM 0.x")):
        report = R.detect(keys)
        vrm = report.scheme("vrm")
        assert vrm is not None and vrm.variant == variant and not vrm.missing
        assert len(report.schemes) == 1  # bare A/E/O... are not taken for Rhubarb or Papagayo
        assert report.mouth_scheme == "vrm"
    vroid = R.detect(["Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O", "Fcl_EYE_Close"])
    assert vroid.scheme("vrm").variant == "VRoid" and vroid.scheme("vrm").found["aa"] == "Fcl_MTH_A"


def test_mouth_letters_go_to_the_scheme_with_most_matches() -> None:
    rhubarb = R.detect(list("ABCDEFGHX"))
    assert [s.key for s in rhubarb.schemes] == ["rhubarb"] and len(rhubarb.scheme("rhubarb").found) == 9
    prefixed = R.detect([f"mouth_{c}" for c in "ABCDEFGHX"]).scheme("rhubarb")
    assert prefixed.found["X"] == "mouth_X" and not prefixed.missing
    papagayo = R.detect(PAPAGAYO)
    assert [s.key for s in papagayo.schemes] == ["papagayo"] and not papagayo.scheme("papagayo").missing
    # A lone "A" and "E": a tie, decided by the documented order (VRM before Rhubarb).
    assert R.detect(["A", "E"]).schemes[0].key == "vrm"


def test_duplicates_prefer_the_most_literal_name() -> None:
    report = R.detect(["blendShape1.jawOpen", "jawOpen", "JAWOPEN"])
    assert report.scheme("arkit").found == {"jawOpen": "jawOpen"}
    assert set(report.duplicates) == {("blendShape1.jawOpen", "jawOpen"), ("JAWOPEN", "jawOpen")}
    assert any(line.startswith("Ignored duplicates:") for line in report.summary())


def test_arkit_plus_visemes_rig_keeps_arkit_on_the_mouth() -> None:
    report = R.detect(list(ARKIT_NAMES) + META_RPM)  # Ready Player Me avatars carry both
    assert report.mouth_scheme == "arkit"
    m = R.RetargetMap.default_for(report)
    assert not m.solves and len(m.linear) == 52
    assert any("Meta/Oculus visemes mouth keys not driven" in n for n in m.notes)
    # The user can choose the visemes instead: then ARKit mouth keys rest.
    vis = R.RetargetMap.default_for(report, mouth="meta")
    assert len(vis.solves) == 1 and "jawOpen" not in vis.targets and "eyeBlinkLeft" in vis.targets
    with pytest.raises(InputError, match="mouth scheme 'rhubarb' was not found"):
        R.RetargetMap.default_for(report, mouth="rhubarb")


@pytest.mark.parametrize(
    ("bones", "expected"),
    [
        (["root", "neck", "head", "eye.L", "eye.R"], ("head", "neck", "eye.L", "eye.R")),
        (
            [
                "mixamorig:Hips",
                "mixamorig:Neck",
                "mixamorig:Head",
                "mixamorig:HeadTop_End",
                "mixamorig:LeftEye",
                "mixamorig:RightEye",
            ],
            ("mixamorig:Head", "mixamorig:Neck", "mixamorig:LeftEye", "mixamorig:RightEye"),
        ),
        (
            ["ORG-head", "DEF-head", "head", "neck", "MCH-eye.L", "DEF-eye.L", "eye.L", "eyelid.L", "brow.L"],
            ("head", "neck", "eye.L", None),
        ),
        (
            ["CC_Base_Head", "CC_Base_NeckTwist02", "CC_Base_NeckTwist01", "CC_Base_L_Eye", "CC_Base_R_Eye"],
            ("CC_Base_Head", "CC_Base_NeckTwist01", "CC_Base_L_Eye", "CC_Base_R_Eye"),
        ),
        (
            ["J_Bip_C_Head", "J_Bip_C_Neck", "J_Adj_L_FaceEye", "J_Adj_R_FaceEye"],
            ("J_Bip_C_Head", "J_Bip_C_Neck", "J_Adj_L_FaceEye", "J_Adj_R_FaceEye"),
        ),
        (["Bip01 Head", "Bip01 Neck", "Bip01 L Eye"], ("Bip01 Head", "Bip01 Neck", "Bip01 L Eye", None)),
        (
            ["head", "neck_02", "neck_01", "FACIAL_L_Eye", "FACIAL_R_Eye"],
            ("head", "neck_01", "FACIAL_L_Eye", "FACIAL_R_Eye"),
        ),
        (
            ["Head", "Neck", "LeftEye", "RightEye", "LeftEyeLid", "eye_target"],
            ("Head", "Neck", "LeftEye", "RightEye"),
        ),
        (["spine", "HeadTop_End", "eyes", "EyeBrow_L"], (None, None, None, None)),
    ],
)
def test_bone_names(bones, expected) -> None:
    r = R.detect([], bones)
    assert (r.head_bone, r.neck_bone, r.eye_bone_left, r.eye_bone_right) == expected


# --------------------------------------------------------------------------- default maps


def test_vrm_default_map_drives_eyes_and_expressions_sensibly() -> None:
    m = R.RetargetMap.default_for(R.detect(VRM0))
    by_target = {e.target: e.sources for e in m.linear}
    assert by_target["Blink_L"] == {"eyeBlinkLeft": 1.0} and "Blink" not in by_target  # no double blink
    assert by_target["LookLeft"] == {"eyeLookOutLeft": 0.5, "eyeLookInRight": 0.5}
    assert set(m.solves[0].prototypes) == {"A", "I", "U", "E", "O"} and m.solves[0].rest is None
    assert "Neutral" not in m.targets and any("Neutral" in n for n in m.notes)
    # With eye bones the bake turns the eyes: look keys stay still.
    with_bones = R.RetargetMap.default_for(R.detect(VRM0, ["Head", "LeftEye", "RightEye"]))
    assert not {"LookUp", "LookDown", "LookLeft", "LookRight"} & set(with_bones.targets)
    # VRM blink keys beside ARKit blink keys would close the eyes twice.
    mixed = R.RetargetMap.default_for(R.detect(["Blink", "eyeBlinkLeft", "eyeBlinkRight", "A"]))
    assert "Blink" not in mixed.targets


def test_identity_map_reproduces_the_input() -> None:
    rng = np.random.default_rng(0)
    y = rng.uniform(0, 1, (30, 52))
    out = R.apply(R.RetargetMap.identity(), y)
    assert list(out) == list(ARKIT_NAMES)
    for i, name in enumerate(ARKIT_NAMES):
        assert out[name].dtype == np.float32 and out[name].shape == (30,)
        np.testing.assert_allclose(out[name], y[:, i], atol=1e-7)


def test_linear_entries_mix_offset_and_clamp_with_slider_ranges() -> None:
    m = R.RetargetMap(
        linear=[
            R.LinearEntry("MouthOpen", {"jawOpen": 1.0, "mouthClose": -0.5}, clamp=(0.0, 1.0)),
            R.LinearEntry("Brows", {"browInnerUp": 2.0}, offset=-0.1, clamp=None),
        ]
    )
    y = np.stack(
        [_arkit(jawOpen=0.6, mouthClose=0.4, browInnerUp=0.3), _arkit(mouthClose=0.5, browInnerUp=0.9)]
    )
    out = R.apply(m, y)
    np.testing.assert_allclose(out["MouthOpen"], [0.4, 0.0], atol=1e-7)
    np.testing.assert_allclose(out["Brows"], [0.5, 1.7], atol=1e-6)
    limited = R.apply(m, y, slider_ranges={"Brows": (-1.0, 1.0), "MouthOpen": (0.0, 0.3)})
    np.testing.assert_allclose(limited["Brows"], [0.5, 1.0], atol=1e-6)
    np.testing.assert_allclose(limited["MouthOpen"], [0.3, 0.0], atol=1e-7)


# --------------------------------------------------------------------------- the viseme solve


def _default_group(keys: list[str]) -> R.SolveGroup:
    return R.RetargetMap.default_for(R.detect(keys)).solves[0]


def test_solve_matches_a_reference_bounded_least_squares() -> None:
    optimize = pytest.importorskip("scipy.optimize")
    group = _default_group(META_OVR)
    protos = np.array([_pose_row(p) for p in group.prototypes.values()])
    rng = np.random.default_rng(1)
    mix = rng.uniform(0, 1, (300, len(protos))) ** 3 @ protos
    y = np.clip(np.concatenate([mix, rng.uniform(0, 0.5, (100, 52))]) + rng.normal(0, 0.01, (400, 52)), 0, 1)
    w = R.solve_prototypes(y, protos, group.channel_weights, 0.005, 1.0)
    feats = RS._solve_features(group.channel_weights)
    a = feats @ protos.T
    lam = 0.005 * np.mean(np.sum(a * a, axis=0))
    big = np.vstack([a, np.sqrt(lam) * np.eye(len(protos))])
    for i in range(0, 400, 7):
        b = np.concatenate([feats @ y[i], np.zeros(len(protos))])
        ref = optimize.lsq_linear(big, b, bounds=(0.0, 1.0), method="bvls", tol=1e-12).x
        np.testing.assert_allclose(w[i], ref, atol=1e-9)


def test_solve_meets_its_optimality_conditions_on_hard_input() -> None:
    group = _default_group(META_OVR)
    protos = np.array([_pose_row(p) for p in group.prototypes.values()])
    rng = np.random.default_rng(2)
    y = rng.uniform(0, 1, (500, 52))  # nothing like speech: many bounds active
    for max_weight in (1.0, 0.5):
        w = R.solve_prototypes(y, protos, group.channel_weights, 0.005, max_weight)
        assert w.min() >= 0.0 and w.max() <= max_weight
        feats = RS._solve_features(group.channel_weights)
        a = feats @ protos.T
        q = a.T @ a
        q += 0.005 * np.mean(np.diag(q)) * np.eye(len(q))
        c = (y @ feats.T) @ a
        assert RS._kkt_residual(q, c, w, max_weight).max() < 1e-9


def test_each_prototype_pose_solves_to_its_own_key() -> None:
    # t/d, n and k/g share one articulation in ARKit terms: any of them may win.
    alike = {"viseme_DD", "viseme_nn", "viseme_kk"}
    for keys in (META_OVR, VRM1, list("ABCDEFGHX"), PAPAGAYO):
        group = _default_group(keys)
        names = list(group.prototypes)
        protos = np.array([_pose_row(group.prototypes[k]) for k in names])
        w = R.solve_prototypes(protos, protos, group.channel_weights, group.regularization)
        feats = RS._solve_features(group.channel_weights)
        for i, key in enumerate(names):
            best = names[int(np.argmax(w[i]))]
            assert best == key or {best, key} <= alike, (
                key,
                dict(zip(names, np.round(w[i], 2), strict=True)),
            )
            # Whatever the mix, it rebuilds the pose closely in the compared channels.
            rebuilt = feats @ (w[i] @ protos)
            target = feats @ protos[i]
            assert np.linalg.norm(rebuilt - target) < 0.1 * np.linalg.norm(target), key


def test_rest_key_takes_what_the_mouth_shapes_leave() -> None:
    m = R.RetargetMap.default_for(R.detect(META_OVR))
    silent = R.apply(m, np.zeros((3, 52)))
    assert np.all(silent["viseme_sil"] == 1.0) and all(
        np.all(v == 0) for k, v in silent.items() if k != "viseme_sil"
    )
    wide = R.apply(m, _pose_row(rs.POSES["open"])[None])
    assert wide["viseme_sil"][0] < 0.1


def test_weights_change_smoothly_when_the_pose_does() -> None:
    m = R.RetargetMap.default_for(R.detect(META_OVR))
    a, b = _pose_row(rs.POSES["close_round"]), _pose_row(rs.POSES["open"])
    s = np.linspace(0, 1, 201)[:, None]
    out = R.apply(m, (1 - s) * a + s * b)
    w = np.stack([out[k] for k in m.solves[0].prototypes], axis=1)
    assert np.abs(np.diff(w, axis=0)).max() < 0.05  # no flicker between near-equal answers
    assert out["viseme_ou"][0] > 0.8 and out["viseme_aa"][-1] > 0.8


def test_teacher_articulations_read_as_the_right_visemes() -> None:
    """Mouth shapes the project's teacher makes for phones come back as the matching
    visemes at the phones' middles (checked on a synthetic dialogue)."""
    teacher = pytest.importorskip("duet.model.training.teacher")
    from duet.model.training.teacher.synthetic import synthetic_dialogue

    a, b, n = synthetic_dialogue(seed=3, seconds=40.0, with_stems=False)
    out = teacher.teach(a, b, n_frames=n, seed=0)
    m = R.RetargetMap.default_for(R.detect(META_OVR))
    expected = {
        "pbm": ({"p", "b", "m"}, {"viseme_PP"}),
        "fv": ({"f", "v"}, {"viseme_FF"}),
        "oo": ({"u", "ʊ"}, {"viseme_ou", "viseme_oh"}),
        "open": ({"ɑ", "æ"}, {"viseme_aa"}),
        "ee": ({"i", "ɪ"}, {"viseme_ih", "viseme_E"}),
    }
    hits = {k: [0, 0] for k in expected}
    for role, speech in enumerate((a, b)):
        vals = R.apply(m, out.blendshapes[:, role])
        names = list(m.solves[0].prototypes)
        w = np.stack([vals[k] for k in names], axis=1)
        for ipa, start, end in zip(speech.phone_ipa, speech.phone_start, speech.phone_end, strict=True):
            for k, (phones, visemes) in expected.items():
                if ipa in phones and end - start >= 0.06:
                    frame = int(round(0.5 * (start + end) * out.fps))
                    hits[k][0] += names[int(np.argmax(w[frame]))] in visemes
                    hits[k][1] += 1
    for k, (good, total) in hits.items():
        assert total >= 5, k
        assert good / total >= 0.85, (k, good, total)


# --------------------------------------------------------------------------- JSON


def test_map_round_trips_through_json(tmp_path) -> None:
    report = R.detect([*META_RPM, "eyeBlinkLeft", "eyeBlinkRight"], ["head", "eye.L", "eye.R"])
    m = R.RetargetMap.default_for(report)
    path = tmp_path / "map.json"
    m.save(path)
    back = R.RetargetMap.load(path)
    assert back == m
    data = json.loads(path.read_text())
    assert data["format"] == "duet-retarget-map" and data["version"] == 1
    y = np.random.default_rng(0).uniform(0, 0.5, (50, 52))
    for k, v in R.apply(m, y).items():
        np.testing.assert_array_equal(R.apply(back, y)[k], v)
    assert m.missing_targets(META_OVR) == [
        "eyeBlinkLeft",
        "eyeBlinkRight",
        "viseme_I",
        "viseme_O",
        "viseme_U",
    ]


def test_documented_example_map_loads() -> None:
    text = """{
      "format": "duet-retarget-map", "version": 1, "name": "my rig",
      "linear": [{"target": "MouthOpen", "sources": {"jawOpen": 1.0, "mouthClose": -0.5}, "clamp": [0, 1]}],
      "solves": [{"prototypes": {"Mouth_O": {"jawOpen": 0.3, "mouthFunnel": 0.5}}, "rest": "Mouth_Rest"}]
    }"""
    m = R.RetargetMap.from_json(text)
    assert m.targets == ["MouthOpen", "Mouth_O", "Mouth_Rest"]
    assert m.solves[0].channel_weights == rs.MOUTH_CHANNEL_WEIGHTS


def _problems(data) -> str:
    with pytest.raises(InputError) as info:
        R.RetargetMap.from_dict(data, source="map.json")
    return str(info.value)


def test_bad_maps_name_the_bad_key() -> None:
    good = R.RetargetMap.default_for(R.detect([*META_OVR, "eyeBlinkLeft"])).to_dict()

    bad = json.loads(json.dumps(good))
    bad["linear"][0]["sources"] = {"eyeBlinkLeft": 1.0, "jawOpn": 0.5}
    msg = _problems(bad)
    assert "map.json has 1 problem" in msg and "linear[0].sources" in msg
    assert "'jawOpn' is not an ARKit channel (did you mean 'jawOpen'?)" in msg

    bad = json.loads(json.dumps(good))
    bad["solves"][0]["prototypes"]["viseme_aa"]["mouthOpen"] = 0.3
    bad["solves"][0]["channel_weights"]["lipgap"] = 1.0
    bad["linear"][0]["clamp"] = [1, 0]
    bad["linear"][0]["scale"] = 2
    msg = _problems(bad)
    assert "map.json has 4 problems" in msg
    assert "prototype 'viseme_aa': 'mouthOpen' is not an ARKit channel" in msg
    assert "'lipgap' is not an ARKit channel or 'lipGap' (did you mean 'lipGap'?)" in msg
    assert "linear[0].clamp: clamp must be [low, high] with low < high" in msg
    assert "linear[0].scale: unknown key" in msg

    bad = json.loads(json.dumps(good))
    bad["linear"].append({"target": "viseme_PP", "sources": {"jawOpen": 1}})
    assert "shape key 'viseme_PP' is driven twice (linear[1] and solves[0].prototypes)" in _problems(bad)

    bad = json.loads(json.dumps(good))
    bad["solves"][0]["rest"] = "viseme_aa"
    assert "rest key 'viseme_aa' is also a prototype" in _problems(bad)

    bad = json.loads(json.dumps(good))
    bad["solves"][0]["prototypes"]["viseme_aa"] = {"eyeBlinkLeft": 1.0}
    assert "prototype 'viseme_aa' has no weight in the compared channels" in _problems(bad)

    bad = json.loads(json.dumps(good))
    bad["solves"][0]["regularization"] = 0
    assert "solves[0].regularization" in _problems(bad)

    assert "'format' must be 'duet-retarget-map'" in _problems({"format": "other", "version": 1})
    assert "must be a JSON object" in _problems([1, 2])


def test_bad_files_give_clear_messages(tmp_path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        R.RetargetMap.load(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "duet-retarget-map",\n "version": 1,,}')
    with pytest.raises(InputError, match=r"is not valid JSON \(line 2, column 15"):
        R.RetargetMap.load(broken)


def test_one_read_gives_the_map_and_the_text_as_written(tmp_path) -> None:
    """The panel's Load keeps the file's text in a text block and the bake parses the map: both from
    one read of the file (RetargetMap.read), so the two can never disagree."""
    from duet.batch import checks

    path = tmp_path / "rig.json"
    path.write_text(R.RetargetMap.identity().to_json() + "\n\n", encoding="utf-8")  # trailing lines kept
    written = path.read_text(encoding="utf-8")
    mapping, read_text = R.RetargetMap.read(path)
    assert read_text == written and mapping.targets == R.RetargetMap.identity().targets
    source = checks.read_map_file(path)
    assert (source.name, source.text) == ("rig.json", written)
    with pytest.raises(InputError, match="does not exist"):
        checks.read_map_file(tmp_path / "gone.json")


def test_apply_rejects_bad_values() -> None:
    m = R.RetargetMap.identity()
    with pytest.raises(ValueError, match=r"shape \(T, 52\)"):
        R.apply(m, np.zeros((10, 51)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        R.apply(m, np.full((2, 52), np.nan))
