// Public entry point. Every export is listed by name; this package has no content yet, so it exports nothing.
export {}
