#!/usr/bin/env bash
# Install everything sohoa needs on Debian 12 / Ubuntu: system packages, then a virtualenv.
# Idempotent: a second run checks and returns in seconds.
#   SOHOA_VENV   where the virtualenv goes (default: .venv in the repo)
#   SOHOA_EXTRAS pip extras to install (default: dev)
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv python3-pip
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd
  poppler-utils fonts-dejavu-core jbig2dec
  libjpeg-turbo-progs   # jpegtran: optimal Huffman tables for JPEG page images (same pixels)
  sane-utils
  softhsm2 opensc
)
VENV=${SOHOA_VENV:-.venv}
EXTRAS=${SOHOA_EXTRAS-dev}   # empty: runtime only (the Docker image)
# The benchmark runs OCRmyPDF beside sohoa; its PDF/A output needs Ghostscript.
[[ ",$EXTRAS," == *",bench,"* ]] && APT_PACKAGES+=(ghostscript)
# The web app's browser tests drive Debian's Chromium (never a downloaded one).
[[ ",$EXTRAS," == *",dev,"* ]] && APT_PACKAGES+=(chromium)
# The deployment tests (pytest -m deploy) run workers on RabbitMQ and a private redis-server.
[[ ",$EXTRAS," == *",dev,"* ]] && APT_PACKAGES+=(rabbitmq-server redis-server)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "sohoa: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "sohoa needs Python 3.11 or newer (python3 is $(python3 --version))" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"

# Reinstall only when the project's requirements changed.
stamp="$VENV/.sohoa-install"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $EXTRAS"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "sohoa: installing Python packages into $VENV"
  log="$VENV/pip-install.log"
  { "$VENV/bin/python" -m pip install --upgrade pip \
      && "$VENV/bin/python" -m pip install -e ".${EXTRAS:+[$EXTRAS]}"; } >"$log" 2>&1 \
    || { tail -n 40 "$log" >&2; echo "sohoa: pip install failed (full log: $log)" >&2; exit 1; }
  echo "$want" > "$stamp"
fi

# sohoa's own bytecode, written now and after every update (compileall skips what is
# current): a user who cannot write to this folder (the Docker image's `sohoa`, an
# /opt install) or PYTHONDONTWRITEBYTECODE would otherwise compile the modules it
# imports again at each start: about 0.04 CPU s a command or worker (`sohoa process`'s
# 62 modules: 87 -> 48 ms, python -X importtime). compileall does not follow the
# links in sohoa/, so each package folder is named.
"$VENV/bin/python" -m compileall -q -j 0 sohoa api ingest ocr register scanner_profiles \
  signing storage web workers >/dev/null
