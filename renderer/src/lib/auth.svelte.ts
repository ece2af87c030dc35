// Whether the browser workbench may talk to its server: `checking` until one call with the token
// from the link has been answered, `missing` when the address carries no token, `wrong` when the
// server refused it (a link from an earlier start, or a restart under an open page). The app shows
// the token page instead of the workbench unless this is `ok`. Electron has no token: always ok.
export type AuthState = 'checking' | 'ok' | 'missing' | 'wrong'

class Auth {
  state = $state<AuthState>('checking')
}

export const auth = new Auth()
