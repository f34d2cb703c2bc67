// Progress output as VBoxManage prints it on stderr: `0%...10%...20%...100%` (vbox-api.md §5.1, showProgress()).
import { VBoxError } from '@boxwood/main-api/client'
import type { IProgress } from '@boxwood/main-api/client'
import type { CommandContext } from './context'

/**
 * Waits for `progress`, printing each reached tenth once, and throws the progress's error if it failed.
 * Polling (rather than events) works the same in-process and through the service.
 */
export async function showProgress(ctx: CommandContext, progress: IProgress): Promise<void> {
  let printed = -10
  const advance = (percent: number) => {
    while (printed + 10 <= percent) {
      printed += 10
      ctx.io.err(printed === 0 ? '0%' : printed === 100 ? '...100%\n' : `...${printed}%`)
    }
  }
  for (;;) {
    const completed = await progress.getCompleted()
    const percent = completed ? 100 : await progress.getPercent()
    if (completed) {
      const code = await progress.getResultCode()
      if (code !== 0) {
        if (printed < 0) ctx.io.err('0%')
        ctx.io.err('\n')
        const info = await progress.getErrorInfo()
        throw info ? VBoxError.fromErrorInfo(info) : new VBoxError('E_FAIL', 'The operation failed', 'Progress')
      }
      advance(100)
      return
    }
    advance(Math.floor(percent / 10) * 10)
    await progress.waitForCompletion(100)
  }
}
