#!/usr/bin/env bash
# Makes sure the CUPS scheduler runs and the PDF printer queue `CounterPDF` (cups-pdf) exists,
# so the print tests go through a real print queue. Idempotent; needs root (or sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
log() { printf '[cups] %s\n' "$*"; }

if ! lpstat -r >/dev/null 2>&1; then
  log "starting cupsd"
  $SUDO /usr/sbin/cupsd
  for _ in $(seq 1 50); do
    lpstat -r >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
lpstat -r >/dev/null 2>&1 || { log "cupsd did not start"; exit 1; }

if ! lpstat -p CounterPDF >/dev/null 2>&1; then
  log "adding the CounterPDF queue (cups-pdf)"
  ppd=$(ls /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd /usr/share/ppd/cups-pdf/CUPS-PDF*.ppd 2>/dev/null | head -n1)
  $SUDO lpadmin -p CounterPDF -E -v cups-pdf:/ -P "$ppd" 2>&1 | grep -v "deprecated" || true
fi
lpstat -p CounterPDF >/dev/null 2>&1 || { log "no CounterPDF queue"; exit 1; }
log "CounterPDF queue ready (output: \$HOME/PDF)"
