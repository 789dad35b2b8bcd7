#!/usr/bin/env bash
# Makes sure the CUPS scheduler runs and the PDF printer queue `CounterPDF` (cups-pdf) exists,
# so the print tests go through a real print queue. Idempotent; needs root (or sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
log() { printf '[cups] %s\n' "$*"; }

# `lpstat -r` exits 0 whether or not the scheduler runs; only its words tell.
running() { lpstat -r 2>/dev/null | grep -q "scheduler is running"; }
if ! running; then
  log "starting cupsd"
  # A socket and pid file left by a cupsd that died with the last session block a new one.
  $SUDO rm -f /run/cups/cups.sock /run/cups/cupsd.pid
  $SUDO /usr/sbin/cupsd
  for _ in $(seq 1 50); do
    running && break
    sleep 0.2
  done
fi
running || { log "cupsd did not start"; exit 1; }

if ! lpstat -p CounterPDF >/dev/null 2>&1; then
  log "adding the CounterPDF queue (cups-pdf)"
  ppd=$(ls /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd /usr/share/ppd/cups-pdf/CUPS-PDF*.ppd 2>/dev/null | head -n1)
  $SUDO lpadmin -p CounterPDF -E -v cups-pdf:/ -P "$ppd" 2>&1 | grep -v "deprecated" || true
fi
lpstat -p CounterPDF >/dev/null 2>&1 || { log "no CounterPDF queue"; exit 1; }

# cups-pdf as Debian installs it names a file after the job's title alone (`Label 0`); the
# print test and clerks looking for a job want its number too: `Label 1` writes
# `job_<n>-<title>.pdf`, into the submitting user's ~/PDF. Set both explicitly (a stock file
# has them commented out or at other values); cups-pdf reads the file for every job.
conf=/etc/cups/cups-pdf.conf
set_conf() {
  local key=$1 value=$2
  if ! grep -qxF "$key $value" "$conf"; then
    log "cups-pdf: ${key} ${value}"
    $SUDO sed -i -E "/^#?${key}[[:space:]]/d" "$conf"
    printf '%s %s\n' "$key" "$value" | $SUDO tee -a "$conf" >/dev/null
  fi
}
[ -f "$conf" ] || { log "no $conf (printer-driver-cups-pdf missing)"; exit 1; }
set_conf Out '${HOME}/PDF'
set_conf Label 1
log "CounterPDF queue ready (output: \$HOME/PDF)"
