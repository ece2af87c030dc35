// What the current page knows that the frame (breadcrumbs, title) shows: set by views.
class PageContext {
  /** the run shown on a run page, once loaded */
  run = $state<{ id: number; projectId: number; name: string } | null>(null)
}

export const page = new PageContext()
