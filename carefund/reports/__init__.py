"""Reports as data: statements, the views that documents render, exports."""
