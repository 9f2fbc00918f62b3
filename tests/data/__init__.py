"""Files the tests read, kept in the repository (no test reads anything outside it)."""

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"  # the two incoming files with bad rows; see its README.md
PPPK_SAMPLE = SAMPLES / "pppk_enrolments_kab-serang_2022.csv"
PARTNER_REPORT_SAMPLE = SAMPLES / "bpsdm-jatim_pka-ii-2024_kota-malang.csv"
