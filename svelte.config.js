// Svelte 5 with runes; TypeScript in components is stripped by Svelte's own preprocessor.
export default {
  compilerOptions: {
    runes: true,
  },
}
