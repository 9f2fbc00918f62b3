"""The JP duty: every ASN (PNS and PPPK) must get at least 20 JP (jam pelajaran, 45 minutes) of competency
development in each calendar year (PP 11/2017 as amended by PP 17/2020)."""

REQUIRED_JP_PER_YEAR = 20
