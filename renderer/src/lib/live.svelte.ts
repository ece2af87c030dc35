// Connection state of the event stream, shared by every view. `epoch` grows each time the stream
// (re)opens: views that list things read it in their load effects, so they resynchronise after a
// reconnect (events sent while the socket was down are lost).
import { api, type ConnectionState } from './api.ts'

class Live {
  connection = $state<ConnectionState>('connecting')
  epoch = $state(0)
}

export const live = new Live()

api.onConnection((s) => {
  const reopened = s === 'open' && live.connection !== 'open'
  live.connection = s
  if (reopened) live.epoch++
})
