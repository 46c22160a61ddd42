"""What a scan leaves behind: hits files, the summary, reports."""
