// The version boxmanage --version prints: this package's version (VBoxManage prints its own build's version).
import manifest from '../../package.json' with { type: 'json' }

/** `<frontends version>_BOXWOOD`, shaped like VBoxManage's `7.1.12r169651`. */
export const BOXWOOD_VERSION = `${manifest.version}_BOXWOOD`
