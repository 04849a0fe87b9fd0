"""Per-agency signing configuration (SOHOA_SIGNING_CONFIG, a YAML file).

One entry per unit code (e.g. ``000.00.20.H56``); an entry also applies to the units
below it in the unit tree (the nearest configured unit above a document's unit wins)::

    verify_fetch_revocation: false  # sohoa verify asks OCSP/CRL online (else: file's own data)
    units:
      000.00.20.H56:
        sign: both            # intake | result | both | none (default none)
        level: B-T            # B-B | B-T | B-LT
        tsa_url: http://tsa.example.gov.vn/tsa
        fallback_to_bb: false # a failed timestamp signs B-B (recorded) only when true
        mark: "Ký số bởi: {agency}\\nThời gian ký: {time}"
        trust_roots: [/etc/sohoa/roots/root-ca.pem]
        pkcs11:
          module: /usr/lib/softhsm/libsofthsm2.so
          token: "UBND Ben Nghe"
          key: agency
          pin_file: /run/secrets/token-pin   # or  pin: prompt  (asked once at start-up)
        # or, for development only:
        # pkcs12: {file: agency.p12, passphrase_file: agency.pass}

A unit without an entry signs nothing, so existing installs keep working. PINs and
passphrases are never written in this file: a secret file or a prompt.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from sohoa.signing.keys import SOFTHSM_MODULE, KeySource, Pkcs11Key, Pkcs12Key, Secret
from sohoa.signing.pades import DEFAULT_MARK, LEVELS, SignRequest

What = Literal["intake", "result", "both", "none"]
_WHAT: tuple[What, ...] = ("intake", "result", "both", "none")


class ConfigError(Exception):
    """The signing configuration cannot be used (the message names the unit and field)."""


@dataclass(frozen=True)
class UnitPolicy:
    """What one agency signs, with which key, at which level."""

    unit: str
    sign: What
    request: SignRequest

    def signs(self, kind: str) -> bool:
        return self.sign == "both" or self.sign == kind


@dataclass(frozen=True)
class SigningConfig:
    units: Mapping[str, UnitPolicy] = field(default_factory=dict)
    #: Verification asks the certificates' OCSP responders and CRLs online.
    fetch_revocation: bool = False

    def policy(self, unit: str | Sequence[str]) -> UnitPolicy | None:
        """The policy of a unit, or of the first configured one of a chain of units
        (the document's unit, then its parent, and so on up the tree)."""
        chain = (unit,) if isinstance(unit, str) else unit
        return next((self.units[u] for u in chain if u in self.units), None)

    def trust_roots(self, unit: str | Sequence[str] | None = None) -> tuple[Path, ...]:
        """The unit's roots, or every configured root (verifying any document)."""
        policy = self.policy(unit) if unit is not None else None
        if policy is not None:
            return policy.request.trust_roots
        return tuple(dict.fromkeys(r for p in self.units.values() for r in p.request.trust_roots))


Prompt = Callable[[str], str]


def load_config(path: Path, prompt: Prompt | None = None) -> SigningConfig:
    """Read and check the file; a ``pin: prompt`` asks the operator now (start-up)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: {error}") from error
    units = data.get("units") if isinstance(data, dict) else None
    if not isinstance(units, dict):
        raise ConfigError(f"{path}: expected a 'units:' mapping of unit codes")
    base = path.parent
    fetch = data.get("verify_fetch_revocation", False)
    if not isinstance(fetch, bool):
        raise ConfigError(f"{path}: verify_fetch_revocation: expected true or false")
    return SigningConfig(
        {
            str(code).strip().upper(): _unit(str(code), entry or {}, base, prompt)
            for code, entry in units.items()
        },
        fetch_revocation=fetch,
    )


def _unit(code: str, entry: Mapping[str, Any], base: Path, prompt: Prompt | None) -> UnitPolicy:
    where = f"units.{code}"
    sign = str(entry.get("sign", "none"))
    level = str(entry.get("level", "B-B"))
    if sign not in _WHAT:
        raise ConfigError(f"{where}.sign: {sign!r} is not one of {', '.join(_WHAT)}")
    if level not in LEVELS:
        raise ConfigError(f"{where}.level: {level!r} is not one of {', '.join(LEVELS)}")
    tsa_url = entry.get("tsa_url")
    if level != "B-B" and not tsa_url:
        raise ConfigError(f"{where}.tsa_url: level {level} needs the agency's timestamp server")
    roots = tuple(_path(base, r) for r in entry.get("trust_roots", []))
    if sign != "none" and not roots:
        raise ConfigError(f"{where}.trust_roots: needed to check each signature after signing")
    key = _key(where, entry, base, prompt) if sign != "none" else _placeholder()
    request = SignRequest(
        key=key,
        level=level,
        tsa_url=str(tsa_url) if tsa_url else None,
        fallback_to_bb=bool(entry.get("fallback_to_bb", False)),
        mark=str(entry.get("mark", DEFAULT_MARK)),
        trust_roots=roots,
    )
    return UnitPolicy(code, sign, request)


def _key(where: str, entry: Mapping[str, Any], base: Path, prompt: Prompt | None) -> KeySource:
    if "pkcs11" in entry:
        p11 = entry["pkcs11"]
        for name in ("token", "key"):
            if not p11.get(name):
                raise ConfigError(f"{where}.pkcs11.{name}: missing")
        return Pkcs11Key(
            module=_path(base, p11.get("module", SOFTHSM_MODULE)),
            token_label=str(p11["token"]),
            key_label=str(p11["key"]),
            pin=_secret(f"{where}.pkcs11", p11, "pin", base, prompt),
            cert_label=p11.get("cert"),
        )
    if "pkcs12" in entry:
        p12 = entry["pkcs12"]
        if not p12.get("file"):
            raise ConfigError(f"{where}.pkcs12.file: missing")
        has_pass = "passphrase_file" in p12 or p12.get("passphrase") == "prompt"
        secret = _secret(f"{where}.pkcs12", p12, "passphrase", base, prompt) if has_pass else None
        return Pkcs12Key(_path(base, p12["file"]), secret)
    raise ConfigError(f"{where}: give the key as 'pkcs11:' (token) or 'pkcs12:' (development)")


def _secret(
    where: str, entry: Mapping[str, Any], name: str, base: Path, prompt: Prompt | None
) -> Secret:
    if f"{name}_file" in entry:
        path = _path(base, entry[f"{name}_file"])
        try:
            return Secret.from_file(path)
        except OSError as error:
            raise ConfigError(f"{where}.{name}_file: cannot read {path}: {error}") from error
    if entry.get(name) == "prompt":
        ask = prompt or _tty_prompt
        return Secret(ask(f"{name.upper()} for {where}: "))
    raise ConfigError(f"{where}: give '{name}_file: PATH' or '{name}: prompt' (never the value)")


def _tty_prompt(text: str) -> str:
    if not sys.stdin.isatty():
        raise ConfigError(f"{text.strip()} asked on a terminal, but there is none: use a file")
    return getpass.getpass(text)


def _path(base: Path, value: object) -> Path:
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else base / path


def _placeholder() -> KeySource:
    return Pkcs12Key(Path("/nonexistent"))
