export { keepConstInDist } from './dist'
export { shiftColumns } from './source-map-columns'
export { constTopLevelVars, type KeywordEdit } from './top-level-const'
