"""Running the platform: readiness, metrics, the job dashboard, scheduled backups with retention."""
