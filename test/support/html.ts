// A strict check that an HTML document's elements nest: every opened element (except the void ones and
// self-closed SVG shapes) is closed in order. The contents of script, style and comments are skipped.
// Returns the problems found (empty: the tags balance).
const voidElements = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'])

export function unbalancedTags(html: string): string[] {
  const problems: string[] = []
  const stack: string[] = []
  const text = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<!DOCTYPE[^>]*>/i, '')
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g
  let m: RegExpExecArray | null
  while ((m = tag.exec(text))) {
    const [, closing, rawName, , selfClosed] = m
    const name = rawName.toLowerCase()
    if (closing) {
      const top = stack.pop()
      if (top !== name) problems.push(`</${name}> at ${m.index} closes <${top ?? 'nothing'}>`)
      continue
    }
    if (voidElements.has(name) || selfClosed) continue
    if (name === 'script' || name === 'style') {
      const end = text.toLowerCase().indexOf(`</${name}>`, tag.lastIndex)
      if (end < 0) {
        problems.push(`<${name}> at ${m.index} is never closed`)
        break
      }
      tag.lastIndex = end + name.length + 3
      continue
    }
    stack.push(name)
  }
  for (const open of stack) problems.push(`<${open}> is never closed`)
  return problems
}
