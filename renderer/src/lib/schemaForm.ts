// Schema -> form model. A form holds one text (or boolean) value per leaf field, keyed by its dotted
// path ("count", "network.tauMemMs"). Defaults start filled in, so every default is visible and
// editable. On submit, texts become JSON values; text that does not parse is sent as it is, so the
// server's validator names the field and says what it expects (one source of truth for checks).
import { fieldApplies, type FieldInfo } from '../../../src/shared/schema.ts'
import { humanize } from './format.ts'

export type FormValue = string | boolean
export type FormValues = Record<string, FormValue>

export interface LeafField {
  path: string
  key: string
  info: FieldInfo
  label: string
}

export function fieldLabel(key: string, info: FieldInfo): string {
  return info.label ?? humanize(key)
}

/** A value as the form's text of this field (booleans stay booleans). */
export function valueText(info: FieldInfo, v: unknown): FormValue {
  if (info.type === 'boolean') return v === true
  if (v === undefined || v === null) return ''
  if (info.type === 'array' || info.type === 'unknown' || info.type === 'typed') {
    return Array.isArray(v) && info.items && (info.items.type === 'number' || info.items.type === 'integer') ? v.join(', ') : JSON.stringify(v)
  }
  return String(v)
}

function defaultText(info: FieldInfo): FormValue {
  return valueText(info, info.default)
}

/**
 * Values moved from one set of defaults to another (a task's method settings for a job kind, e.g. the
 * wake phrase's N = 768; docs/method.md §5): each top-level field that still shows its old default
 * (`from`'s value, or the schema's when `from` has none) takes its new one (`to`'s, or the schema's);
 * a field the user changed keeps its value.
 */
export function switchDefaults(info: FieldInfo, values: FormValues, from: Record<string, unknown>, to: Record<string, unknown>): FormValues {
  const out = { ...values }
  for (const k of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const f = info.fields?.[k]
    if (!f || (f.type === 'object' && f.fields)) continue
    const before = k in from ? valueText(f, from[k]) : defaultText(f)
    if (out[k] === before) out[k] = k in to ? valueText(f, to[k]) : defaultText(f)
  }
  return out
}

/** Values for a fresh form: every default filled in, fields without one left empty. */
export function initialValues(info: FieldInfo, prefix = ''): FormValues {
  const out: FormValues = {}
  for (const [key, f] of Object.entries(info.fields ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key
    if (f.type === 'object' && f.fields) Object.assign(out, initialValues(f, path))
    else out[path] = defaultText(f)
  }
  return out
}

function parseNumberText(text: string): unknown {
  const t = text.trim().replace(/\u2212/g, '-').replace(/_/g, '')
  if (t === '') return undefined
  const n = Number(t)
  return Number.isFinite(n) ? n : text
}

function leafValue(info: FieldInfo, v: FormValue | undefined): unknown {
  if (info.type === 'boolean') return v === true
  const text = typeof v === 'string' ? v : ''
  switch (info.type) {
    case 'number':
    case 'integer':
      return parseNumberText(text)
    case 'string':
    case 'enum':
      return text === '' && info.optional ? undefined : text
    case 'array': {
      if (text.trim() === '') return info.optional ? undefined : []
      if (info.items && (info.items.type === 'number' || info.items.type === 'integer') && !text.trim().startsWith('[')) {
        return text
          .split(/[\s,;]+/)
          .filter(Boolean)
          .map(parseNumberText)
      }
      return parseJson(text)
    }
    default:
      return text.trim() === '' ? undefined : parseJson(text)
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Whether a field applies with the other values of its object (FieldInfo.when: the decay time b
 * only with the "decay" η schedule). Forms hide fields that do not apply and do not send them.
 */
export function applies(info: FieldInfo, values: FormValues, prefix = ''): boolean {
  // an enum's text is its value, a boolean field's value a boolean: the other field's value as sent
  return fieldApplies(info, (field) => values[prefix ? `${prefix}.${field}` : field])
}

/** Form values -> the parameter object to send. Empty optional fields are left out (the server
 * applies the default, or draws a seed and records it), and so are fields that do not apply. */
export function toParams(info: FieldInfo, values: FormValues, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, f] of Object.entries(info.fields ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key
    if (!applies(f, values, prefix)) continue
    const v = f.type === 'object' && f.fields ? toParams(f, values, path) : leafValue(f, values[path])
    if (v !== undefined) out[key] = v
  }
  return out
}

/** True when the value differs from the default (for "reset" affordances and highlighting). */
export function isDefault(info: FieldInfo, v: FormValue | undefined): boolean {
  return v === defaultText(info)
}

/**
 * A field's help as a form shows it. A form that lists the choices itself (a run picker, the registered
 * execution targets, the suggested boards, an enum's values) drops the help's pointer to the command
 * that lists them, "(`mimic backends list`)": a person at the app cannot run it, and the list is in
 * front of them. Every other word of the help stays (the command line shows it whole).
 */
export function formHelp(info: FieldInfo): string {
  const help = info.help ?? ''
  const offersChoices = refKinds(info) !== null || info.choices === 'targets' || info.suggest !== undefined || info.type === 'enum'
  return offersChoices ? help.replace(/\s*\(`mimic [a-z-]+ list(?: [^`]*)?`\)/g, '') : help
}

/** Range/default/unit hint under a field, e.g. "1 – 100000 · default 500". */
export function fieldHint(info: FieldInfo): string {
  const parts: string[] = []
  if (info.type === 'number' || info.type === 'integer') {
    // Bounds that only guard representability (seeds up to 2^53) are noise in a form.
    const max = info.max !== undefined && info.max < 2 ** 31 ? info.max : undefined
    const gt = info.exclusiveMin
    if (gt !== undefined && max !== undefined) parts.push(`> ${gt} and ≤ ${max}`)
    else if (gt !== undefined) parts.push(`> ${gt}`)
    else if (info.min !== undefined && max !== undefined) parts.push(`${info.min} – ${max}`)
    else if (info.min !== undefined) parts.push(`≥ ${info.min}`)
    else if (max !== undefined) parts.push(`≤ ${max}`)
    if (info.type === 'integer') parts.push('integer')
  }
  if (info.type === 'array' && info.items && (info.items.type === 'number' || info.items.type === 'integer')) parts.push('comma-separated numbers')
  if (info.default !== undefined) parts.push(`default ${Array.isArray(info.default) ? info.default.join(', ') : String(info.default)}`)
  else if (info.optional) parts.push('optional')
  return parts.join(' · ')
}

/**
 * The form field an error is about, from the error's `field` ("params.count" -> "count" with prefix
 * "params"; "params.membraneNeurons[2]" -> "membraneNeurons"). Null when it names no field of this form.
 */
export function formFieldOf(field: string | undefined, prefix: string, known: readonly string[]): string | null {
  if (!field) return null
  let path = field
  if (prefix) {
    if (!path.startsWith(`${prefix}.`)) return null
    path = path.slice(prefix.length + 1)
  }
  path = path.replace(/\[\d+\].*$/, '')
  while (path && !known.includes(path)) {
    const cut = path.lastIndexOf('.')
    if (cut < 0) return null
    path = path.slice(0, cut)
  }
  return path || null
}

/** A stored value -> the text a form field shows for it (the reverse of what toParams sends). */
function textOf(info: FieldInfo, v: unknown): FormValue | undefined {
  if (info.type === 'boolean') return typeof v === 'boolean' ? v : undefined
  if (v === undefined || v === null) return ''
  if (info.type === 'number' || info.type === 'integer') return typeof v === 'number' ? String(v) : undefined
  if (info.type === 'string' || info.type === 'enum') return typeof v === 'string' && (!info.values || info.values.includes(v)) ? v : undefined
  if (info.type === 'array' && Array.isArray(v) && info.items && (info.items.type === 'number' || info.items.type === 'integer')) return v.join(', ')
  return JSON.stringify(v)
}

/**
 * Form values from stored parameters (a finished run's, to run it again): every field the schema
 * knows takes the stored value, optional fields the run left out stay empty, and fields the run
 * predates keep their defaults. Keys the schema no longer has are dropped.
 */
export function valuesFromParams(info: FieldInfo, params: Record<string, unknown>, prefix = ''): FormValues {
  const out: FormValues = {}
  for (const [key, f] of Object.entries(info.fields ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key
    if (f.type === 'object' && f.fields) {
      const inner = params[key]
      Object.assign(out, inner && typeof inner === 'object' ? valuesFromParams(f, inner as Record<string, unknown>, path) : initialValues(f, path))
      continue
    }
    out[path] = (key in params ? textOf(f, params[key]) : undefined) ?? defaultText(f)
  }
  return out
}

/** Values kept from an earlier form (remembered in the browser) laid over `base`: known fields of the same type only. */
export function mergeValues(base: FormValues, saved: unknown): FormValues {
  if (!saved || typeof saved !== 'object') return base
  const out = { ...base }
  for (const [k, v] of Object.entries(saved as Record<string, unknown>)) {
    if (k in base && typeof v === typeof base[k]) out[k] = v as FormValue
  }
  return out
}

/** For run-id fields: the run kinds a field refers to (FieldInfo.ref, "network,ads"), else null. */
export function refKinds(info: FieldInfo): string[] | null {
  const ref = (info as FieldInfo & { ref?: unknown }).ref
  return typeof ref === 'string' && ref.trim() ? ref.split(',').map((k) => k.trim()) : null
}

/** Every leaf field path of a form (for error mapping). */
export function leafPaths(info: FieldInfo, prefix = ''): string[] {
  const out: string[] = []
  for (const [key, f] of Object.entries(info.fields ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key
    if (f.type === 'object' && f.fields) out.push(...leafPaths(f, path))
    else out.push(path)
  }
  return out
}
