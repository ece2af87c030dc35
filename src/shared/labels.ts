// How a dataset file wrote its labels. Both are stored as −1/+1; the import records which it was
// (run params `labelEncoding`) so every surface can say how the file was read.
export type LabelEncoding = '0/1' | '-1/+1'

export function isLabelEncoding(v: unknown): v is LabelEncoding {
  return v === '0/1' || v === '-1/+1'
}

/** The one line that tells a person how labels were read. */
export function labelEncodingText(e: LabelEncoding): string {
  return e === '0/1' ? 'labels read as 0/1 → −1/+1' : 'labels read as −1/+1'
}
