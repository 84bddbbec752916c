/* cpl0.h: the one way to mark CPL 0 code: a file whose code runs at CPL 0 includes this header first, and holds only
 * such code (and what it alone calls). KVM on PVM emulates CPL 0 without SSE (start.S says why), so the whole file,
 * with every inline function of the headers it includes after this one, is built without SSE, and without the
 * stack protector, since the target pragma resets its guard to %fs:0x28. Whole files, not function attributes:
 * a helper a marked function called would be built with SSE. */
#pragma GCC target("general-regs-only")
#pragma GCC optimize("no-stack-protector")
