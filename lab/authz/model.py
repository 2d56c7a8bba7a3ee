"""Where the policy files are, and loading the casbin model the engine is built for.

The engine narrows the rules casbin evaluates by the necessary conditions of the matcher
in policies/model.conf (see lab.authz.shard). A model with another matcher or effect could
make that narrowing wrong, so `load_model_text` refuses it instead of deciding with it.
"""

from __future__ import annotations

from pathlib import Path

from casbin.model import Model

from lab.errors import ConfigurationError

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
MODEL_PATH = POLICY_DIR / "model.conf"
SEED_PATH = POLICY_DIR / "seed.csv"

_REQUEST = ["r_sub", "r_dom", "r_obj", "r_act"]
_POLICY = ["p_sub", "p_dom", "p_obj", "p_act", "p_eft"]
_ROLE = "_, _, _"
_EFFECT = "some(where (p_eft == allow)) && !some(where (p_eft == deny))"
_MATCHER = (
    '(p_act == r_act || p_act == "*") && (p_dom == r_dom || p_dom == "*") && '
    '(g(r_sub, p_sub, r_dom) || g(r_sub, p_sub, "*")) && keyMatch2(r_obj, p_obj)'
)


def new_model(text: str) -> Model:
    """A fresh casbin model (no policy) from the model text."""
    model = Model()
    model.load_model_from_text(text)
    return model


def load_model_text(path: Path | None = None) -> str:
    """The text of the model file, checked to be the model the engine is built for."""
    path = path or MODEL_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read the casbin model {path}: {exc}") from exc
    try:
        model = new_model(text)
    except Exception as exc:
        raise ConfigurationError(f"{path} is not a casbin model: {exc}") from exc
    problem = _difference(model)
    if problem:
        raise ConfigurationError(
            f"{path}: {problem}. The policy engine indexes rules by this model's matcher; "
            "change lab.authz.shard together with the model."
        )
    return text


def _difference(model: Model) -> str | None:
    sections = {sec: model[sec] or {} for sec in ("r", "p", "g", "e", "m")}
    if set(sections["r"]) != {"r"} or sections["r"]["r"].tokens != _REQUEST:
        return "the request definition must be exactly r = sub, dom, obj, act"
    if set(sections["p"]) != {"p"} or sections["p"]["p"].tokens != _POLICY:
        return "the policy definition must be exactly p = sub, dom, obj, act, eft"
    if set(sections["g"]) != {"g"} or sections["g"]["g"].value != _ROLE:
        return "the role definition must be exactly g = _, _, _"
    if set(sections["e"]) != {"e"} or sections["e"]["e"].value != _EFFECT:
        return "the effect must be allow-and-deny (deny wins)"
    if set(sections["m"]) != {"m"} or _squeeze(sections["m"]["m"].value) != _squeeze(_MATCHER):
        return "the matcher differs from the one the engine is built for"
    return None


def _squeeze(text: str) -> str:
    return "".join(text.split())
