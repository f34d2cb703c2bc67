// Public entry point. The package's interface is its commands (`boxmanage`, `boxheadless`; see package.json
// `bin`), so the module exports nothing.
export {}
