"""Bake a Performance onto two characters: shape keys, head/neck and eye bones.

Per character: retarget the 52 ARKit curves to its shape keys, turn head
angles into neck and head bone rotations, aim the eyes at the partner's real
eyes (or the camera when staged) with vergence, keep the model's gaze
aversions and saccades as offsets around that target, and write it all into
one new take (addon/takes.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import bpy
import numpy as np
from mathutils import Quaternion, Vector

from ..model import keyframes, pose, retarget
from ..model.performance import Performance
from ..model.spec import ROLES
from . import takes
from .rigs import CharacterRig

NECK_SHARE = 0.35  # of each head rotation carried by the neck bone, when the rig has one
EYE_YAW_LIMIT = 40.0  # oculomotor range in degrees; beyond it the eyes stop at the limit
EYE_PITCH_LIMIT = 30.0
UP = np.array([0.0, 0.0, 1.0])


@dataclass
class CharacterFrame:
    """A character's rest frame in the world and its bones' rest data."""

    forward: np.ndarray
    left: np.ndarray
    up: np.ndarray
    neck_pivot: np.ndarray | None
    head_pivot: np.ndarray
    eye_centres: list[np.ndarray]  # world rest positions of the eye bones' heads


def _rest_world_quaternion(arm: bpy.types.Object, bone_name: str) -> np.ndarray:
    m = arm.matrix_world.to_3x3().normalized() @ arm.data.bones[bone_name].matrix_local.to_3x3()
    return np.array(m.to_quaternion(), dtype=np.float64)


def _bone_world_head(arm: bpy.types.Object, bone_name: str) -> np.ndarray:
    return np.array(arm.matrix_world @ arm.data.bones[bone_name].head_local, dtype=np.float64)


def character_frame(rig: CharacterRig, partner_anchor: np.ndarray) -> CharacterFrame:
    """Forward is the face's rest direction: the rig's -Y (Blender's front view),
    flattened to the floor. Rigs built facing elsewhere set ``duet_forward``."""
    arm = rig.armature
    obj = arm if arm is not None else rig.meshes[0]
    custom = obj.get("duet_forward")
    local_forward = np.array(custom if custom is not None else (0.0, -1.0, 0.0), dtype=np.float64)
    forward = np.array(obj.matrix_world.to_3x3().normalized() @ Vector(local_forward.tolist()))
    forward[2] = 0.0
    if np.linalg.norm(forward) < 1e-6:
        forward = partner_anchor - np.array(obj.matrix_world.translation)
        forward[2] = 0.0
    forward /= np.linalg.norm(forward)
    left = np.cross(UP, forward)
    head_pivot = (
        _bone_world_head(arm, rig.head_bone) if arm is not None and rig.head_bone else _mesh_centre(rig)
    )
    neck_pivot = _bone_world_head(arm, rig.neck_bone) if arm is not None and rig.neck_bone else None
    eyes = [_bone_world_head(arm, b) for b in rig.eye_bones if arm is not None and b]
    return CharacterFrame(forward, left, UP.copy(), neck_pivot, head_pivot, eyes)


def _mesh_centre(rig: CharacterRig) -> np.ndarray:
    obj = rig.meshes[0]
    corners = np.array([obj.matrix_world @ Vector(c) for c in obj.bound_box])
    return corners.mean(axis=0)


def eye_anchor(frame: CharacterFrame) -> np.ndarray:
    """Where a partner looks: between the eyes, or the head pivot lifted a little."""
    if frame.eye_centres:
        return np.mean(frame.eye_centres, axis=0)
    return frame.head_pivot + 0.08 * frame.up + 0.08 * frame.forward


@dataclass
class HeadMotion:
    world: np.ndarray  # (T, 4) total head rotation about world axes
    neck_world: np.ndarray  # (T, 4) the neck's share
    eye_positions: np.ndarray  # (T, n_eyes, 3) world eye centres per frame
    anchor: np.ndarray  # (T, 3) where the partner looks at this character


def head_motion(frame: CharacterFrame, angles: np.ndarray, has_neck: bool) -> HeadMotion:
    world = pose.character_rotation(angles, frame.forward, frame.left, frame.up)
    neck = pose.fraction(world, NECK_SHARE) if has_neck and frame.neck_pivot is not None else None
    t = len(angles)

    def carry(points: np.ndarray) -> np.ndarray:
        # Points of the head follow the neck's rotation about the neck pivot and the
        # head's own share about the head pivot.
        head_pivot = np.broadcast_to(frame.head_pivot, (t, 3))
        if neck is not None:
            head_pivot = frame.neck_pivot + pose.rotate(
                neck, np.broadcast_to(frame.head_pivot - frame.neck_pivot, (t, 3))
            )
        offsets = np.broadcast_to(points - frame.head_pivot, (t, 3))
        return head_pivot + pose.rotate(world, offsets)

    eyes = (
        np.stack([carry(c) for c in frame.eye_centres], axis=1) if frame.eye_centres else np.zeros((t, 0, 3))
    )
    anchor = eyes.mean(axis=1) if frame.eye_centres else carry(eye_anchor(frame))
    return HeadMotion(world, neck if neck is not None else np.tile([1.0, 0, 0, 0], (t, 1)), eyes, anchor)


def aim_eyes(
    frame: CharacterFrame,
    motion: HeadMotion,
    model_head: np.ndarray,
    model_gaze: np.ndarray,
    targets: np.ndarray,
    reference: np.ndarray,
    strength: float,
) -> np.ndarray:
    """Eye-in-head yaw/pitch (T, n_eyes, 2) for each eye.

    The model's gaze relative to its reference target (partner at 0, 0, or the
    canonical camera) is kept as an offset around the real target's direction,
    scaled by strength; each eye aims on its own (vergence)."""
    deviation = (model_gaze + model_head[:, :2] - reference) * strength
    out = np.zeros((len(model_gaze), motion.eye_positions.shape[1], 2))
    inverse = pose.conjugate(motion.world)
    for e in range(motion.eye_positions.shape[1]):
        to_target = targets - motion.eye_positions[:, e]
        base = pose.direction_angles(to_target, frame.forward, frame.left, frame.up)
        wanted = base + deviation
        rest_dir = pose.rotate(
            pose.eye_rotation(wanted, frame.forward, frame.left, frame.up),
            np.broadcast_to(frame.forward, (len(wanted), 3)),
        )
        in_head = pose.rotate(inverse, rest_dir)
        angles = pose.direction_angles(in_head, frame.forward, frame.left, frame.up)
        angles[:, 0] = np.clip(angles[:, 0], -EYE_YAW_LIMIT, EYE_YAW_LIMIT)
        angles[:, 1] = np.clip(angles[:, 1], -EYE_PITCH_LIMIT, EYE_PITCH_LIMIT)
        out[:, e] = angles
    return out


def _keys(frames: np.ndarray, values: np.ndarray, plan, value_range=None) -> list[tuple]:
    """Keys for each column of values (T, C): every frame, or reduced within the tolerance."""
    values = np.asarray(values, dtype=np.float64)
    if plan.key_mode == "SPARSE":
        return keyframes.reduce_keys_many(frames, values, plan.key_tolerance, value_range=value_range)
    return [
        keyframes.dense_keys(frames, values[:, c], value_range=value_range) for c in range(values.shape[1])
    ]


def _curve_keys(path: str, index: int, group: str, keys: tuple) -> takes.CurveKeys:
    kt, kv, hl, hr = keys
    return takes.CurveKeys(path, index, np.stack([kt, kv], axis=1), hl, hr, group)


def _rotation_curves(
    arm: bpy.types.Object, bone: str, basis: np.ndarray, frames: np.ndarray, plan
) -> list[takes.CurveKeys]:
    pbone = arm.pose.bones[bone]
    basis = pose.continuous(basis)
    path = f'pose.bones["{bone}"]'
    if pbone.rotation_mode == "QUATERNION":
        keys = _keys(frames, basis, plan)
        return [_curve_keys(f"{path}.rotation_quaternion", i, bone, k) for i, k in enumerate(keys)]
    if pbone.rotation_mode == "AXIS_ANGLE":
        raise ValueError(f"bone '{bone}' uses axis-angle rotation: set it to Quaternion or an Euler order")
    eulers, previous = [], None
    for q in basis:
        e = (
            Quaternion(q).to_euler(pbone.rotation_mode, previous)
            if previous
            else Quaternion(q).to_euler(pbone.rotation_mode)
        )
        eulers.append(tuple(e))
        previous = e
    keys = _keys(frames, np.array(eulers), plan)
    return [_curve_keys(f"{path}.rotation_euler", i, bone, k) for i, k in enumerate(keys)]


def _gaze_targets(scene, plan, n: int, fps: float) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per role: which target each frame (0 partner, 1 camera, 2 fixed direction)
    and the canonical reference direction the model's gaze is measured from."""
    from ..model.spec import CANONICAL_CAMERA_DIRECTION

    modes = {r: np.zeros(n, dtype=np.int8) for r in ROLES}
    refs = {r: np.zeros((n, 2)) for r in ROLES}
    text = plan.request.staging
    if not text or not text.strip():
        return modes, refs
    from .generate_flow import parse_staging

    targets = parse_staging(plan.request).to_targets(n, fps)
    for r in ROLES:
        mode = np.asarray(targets.gaze_mode[r])
        camera = (mode == 2) & (scene.camera is not None)
        direction = mode == 3
        modes[r][camera] = 1
        modes[r][direction] = 2
        refs[r][camera] = CANONICAL_CAMERA_DIRECTION[r]
        refs[r][direction] = np.asarray(targets.gaze_direction[r])[direction]
    return modes, refs


def bake_take(scene: bpy.types.Scene, plan, performance: Performance):
    """Write the performance as a new take on both characters; returns a BakeSummary."""
    from .generate_flow import BakeSummary, UserError

    started = time.perf_counter()
    n = performance.n_frames
    frames_all = plan.frame_start + np.arange(n, dtype=np.float64)
    keep = np.ones(n, dtype=bool)
    if plan.bake_range is not None:
        keep = (frames_all >= plan.bake_range[0]) & (frames_all <= plan.bake_range[1])
        if not keep.any():
            raise UserError(f"frame range {plan.bake_range} lies outside the voice-over's frames")
    frames = frames_all[keep]

    rigs = plan.characters
    anchors = {}
    frames_of = {}
    for role, partner in (("A", "B"), ("B", "A")):
        partner_rig = rigs[partner]
        partner_pivot = (
            _bone_world_head(partner_rig.armature, partner_rig.head_bone)
            if partner_rig.armature is not None and partner_rig.head_bone
            else _mesh_centre(partner_rig)
        )
        frames_of[role] = character_frame(rigs[role], partner_pivot)
    motions = {}
    for role in ROLES:
        head = performance.head[role] * plan.head_strength
        motions[role] = head_motion(frames_of[role], head, rigs[role].neck_bone is not None)
        anchors[role] = motions[role].anchor
    modes, refs = _gaze_targets(scene, plan, n, performance.fps)
    camera = np.array(scene.camera.matrix_world.translation) if scene.camera is not None else None

    ids = [i for r in ROLES for i in rigs[r].ids]
    take_name = takes.next_take_name(ids, plan.take_label)
    key_count = 0
    planned: list[tuple[str, list[takes.IdCurves]]] = []
    for role, partner in (("A", "B"), ("B", "A")):
        rig, frame, motion = rigs[role], frames_of[role], motions[role]
        parts: list[takes.IdCurves] = []
        driven = set(rig.retarget_map.targets)
        for mesh in rig.meshes:
            key = mesh.data.shape_keys
            blocks = [kb for kb in key.key_blocks[1:] if kb.name in driven]
            if not blocks:
                continue
            ranges = {kb.name: (kb.slider_min, kb.slider_max) for kb in blocks}
            values = retarget.apply(rig.retarget_map, performance.blendshapes[role], slider_ranges=ranges)
            matrix = np.stack([values[kb.name][keep] for kb in blocks], axis=1)
            low = min(r[0] for r in ranges.values())
            high = max(r[1] for r in ranges.values())
            keys = _keys(frames, matrix, plan, value_range=(low, high))
            parts.append(
                takes.IdCurves(
                    key,
                    "KEY",
                    [
                        _curve_keys(f'key_blocks["{kb.name}"].value', 0, "Duet face", k)
                        for kb, k in zip(blocks, keys, strict=True)
                    ],
                )
            )
        arm = rig.armature
        bone_curves: list[takes.CurveKeys] = []
        if arm is not None and rig.head_bone:
            head_world = motion.world
            if rig.neck_bone:
                neck_rest = _rest_world_quaternion(arm, rig.neck_bone)
                bone_curves += _rotation_curves(
                    arm, rig.neck_bone, pose.to_bone_basis(motion.neck_world, neck_rest)[keep], frames, plan
                )
                head_world = pose.multiply(pose.conjugate(motion.neck_world), motion.world)
            head_rest = _rest_world_quaternion(arm, rig.head_bone)
            bone_curves += _rotation_curves(
                arm, rig.head_bone, pose.to_bone_basis(head_world, head_rest)[keep], frames, plan
            )
            targets = anchors[partner].copy()
            if camera is not None:
                targets[modes[role] == 1] = camera
            fixed = modes[role] == 2
            if fixed.any():
                # A fixed direction: aim at a point far along it from the rest frame.
                d = pose.rotate(
                    pose.eye_rotation(refs[role][fixed], frame.forward, frame.left, frame.up),
                    np.broadcast_to(frame.forward, (int(fixed.sum()), 3)),
                )
                targets[fixed] = motion.anchor[fixed] + 10.0 * d
            eye_angles = aim_eyes(
                frame,
                motion,
                performance.head[role],
                performance.gaze[role],
                targets,
                refs[role],
                plan.eye_strength,
            )
            for e, bone in enumerate(b for b in rig.eye_bones if b):
                eye_world = pose.eye_rotation(eye_angles[:, e], frame.forward, frame.left, frame.up)
                rest = _rest_world_quaternion(arm, bone)
                bone_curves += _rotation_curves(
                    arm, bone, pose.to_bone_basis(eye_world, rest)[keep], frames, plan
                )
        if bone_curves:
            parts.append(takes.IdCurves(arm, "OBJECT", bone_curves))
        if not parts:
            raise UserError(f"character {role} '{rig.display_name}' has nothing Duet can animate")
        planned.append((rig.display_name, parts))
    # Everything is computed before anything is written: a failure above leaves the scene as it was.
    for display_name, parts in planned:
        takes.write_take(display_name, take_name, parts)
        key_count += sum(len(c.co) for p in parts for c in p.curves)
    return BakeSummary(
        take=take_name,
        frames=(int(frames[0]), int(frames[-1])),
        keys=key_count,
        seconds=time.perf_counter() - started,
    )
