// esbuild (under tsup) turns every top-level `const` of a bundle into `var` (its FAQ: "top-level var"; bundled
// modules may be initialized lazily, which TDZ checks would forbid). V8 folds a module's own `const` numbers, objects
// and functions into optimized code, but loads a `var` from the module context at every use: the CPU's record kinds,
// flag masks and helper functions in its hot loops (packages/vmm README, "Constants in hot code"). This puts `const`
// back on each top-level `var` declaration that nothing assigns again. Our packages are ES modules without import
// cycles that read a binding before it is initialized, so `const` is what their sources said.
import ts from 'typescript'

/** Where a `var` keyword became `const`: 0-based line and column in the code before the change. */
export type KeywordEdit = { readonly line: number; readonly column: number }

/** `code` (a bundle) with `const` for every top-level `var` declaration whose names are never assigned again. */
export function constTopLevelVars(code: string): { code: string; edits: KeywordEdit[] } {
  const file = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS)
  const assigned = assignedNames(file)
  const starts: number[] = []
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue
    const list = statement.declarationList
    if ((list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0) continue
    if (!list.declarations.every((d) => d.initializer !== undefined)) continue
    const names: string[] = []
    for (const d of list.declarations) boundNames(d.name, names)
    if (names.some((n) => assigned.has(n))) continue
    starts.push(list.getStart(file))
  }
  let out = ''
  let pos = 0
  for (const start of starts) {
    out += `${code.slice(pos, start)}const`
    pos = start + 'var'.length
  }
  out += code.slice(pos)
  const edits = starts.map((start) => {
    const { line, character } = file.getLineAndCharacterOfPosition(start)
    return { line, column: character }
  })
  return { code: out, edits }
}

/**
 * Every name anywhere in `file` that an assignment, `++`/`--` or a `for … in/of` head writes — by name, whatever
 * scope it is in: a shadowing local of the same name keeps the top-level one a `var` (only a lost optimization).
 */
function assignedNames(file: ts.SourceFile): Set<string> {
  const names = new Set<string>()
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && isAssignment(node.operatorToken.kind)) targets(node.left, names)
    else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
    )
      targets(node.operand, names)
    else if (
      (ts.isForInStatement(node) || ts.isForOfStatement(node)) &&
      !ts.isVariableDeclarationList(node.initializer)
    )
      targets(node.initializer, names)
    ts.forEachChild(node, visit)
  }
  visit(file)
  return names
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment
}

/** The names an assignment target writes (an identifier, or array/object destructuring of them). */
function targets(node: ts.Node, out: Set<string>): void {
  if (ts.isIdentifier(node)) out.add(node.text)
  else if (ts.isParenthesizedExpression(node)) targets(node.expression, out)
  else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) targets(node.left, out)
  else if (ts.isArrayLiteralExpression(node))
    for (const e of node.elements) targets(ts.isSpreadElement(e) ? e.expression : e, out)
  else if (ts.isObjectLiteralExpression(node))
    for (const p of node.properties) {
      if (ts.isShorthandPropertyAssignment(p)) out.add(p.name.text)
      else if (ts.isPropertyAssignment(p)) targets(p.initializer, out)
      else if (ts.isSpreadAssignment(p)) targets(p.expression, out)
    }
}

/** The names a declaration binds (an identifier or a destructuring pattern). */
function boundNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text)
  else for (const e of name.elements) if (!ts.isOmittedExpression(e)) boundNames(e.name, out)
}
