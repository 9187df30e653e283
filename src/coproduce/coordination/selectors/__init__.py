"""Every read of coordination, scoped to the viewer; special-category reads are logged."""
