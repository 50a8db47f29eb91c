// Placeholder so the package resolves before this target's first real file lands; delete it then.
