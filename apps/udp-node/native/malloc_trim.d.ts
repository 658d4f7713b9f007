/** Returns the C heap's free pages to the kernel (glibc malloc_trim(0)); true when any went back. */
export const trim: (() => boolean) | null;
/** Why `trim` is null. */
export const loadError: string | null;
