/**
 * POST code port 0x80 (the "Port 80h" diagnostic card): firmware writes progress codes; the last one is kept
 * and logged, and a listener (debugger, boot test) may watch them. Reads return the last code, as on boards
 * whose POST latch is readable. Spec: BIOS POST code convention (IBM AT BIOS listing; SeaBIOS uses 0x80).
 */
import { defineContract, defineDevice, defineState, u16, u8 } from '@boxwood/vmm/device-api'

/** Who watches POST codes (attached at LUN 0). */
export interface PostCodeListener {
  onPostCode(code: number): void
}

/** The LUN contract of a POST code listener. */
export const postCodeListenerContract = defineContract<PostCodeListener>(
  'PostCodeListener',
  (value): value is PostCodeListener =>
    typeof value === 'object' && value !== null && typeof (value as PostCodeListener).onPostCode === 'function',
)

export const postPortState = defineState({ unit: 'postcode', version: 1, fields: { lastCode: u8, count: u16 } })

/** Port 80h: device name `postcode`. */
export const postCodePort = defineDevice({
  name: 'postcode',
  description: 'POST diagnostic port 80h',
  maxInstances: 1,
  config: { base: { type: 'u16', default: 0x80 } },
  savedState: postPortState,
  create(ctx, config) {
    const state = postPortState.initial()
    const listener = ctx.attach(0, postCodeListenerContract)
    ctx
      .ioPorts(
        1,
        {
          sizes: [1],
          read: () => state.lastCode,
          write(_offset, value) {
            state.lastCode = value
            state.count = (state.count + 1) & 0xffff
            ctx.log.debug('POST code', { code: value })
            listener?.onPostCode(value)
          },
        },
        'POST code port',
      )
      .map(config.base)
    return {
      state,
      reset() {
        state.lastCode = 0
        state.count = 0
      },
    }
  },
})
