// The module makes raw Linux system calls with Linux's constants and struct layouts
// (sockaddr_in, addrinfo on LP64). Anywhere else it would pass garbage to the kernel,
// so the import refuses to load with a message that says why.

/** Platforms whose ABI this module is written for: Linux on the testbeds' CPUs. */
export const supportedPlatforms = ["linux/x64", "linux/arm64"] as const;

/** Why this platform cannot run the module, or null when it can. */
export function platformProblem(platform: string = process.platform, arch: string = process.arch): string | null {
  if (supportedPlatforms.includes(`${platform}/${arch}` as (typeof supportedPlatforms)[number])) return null;
  return (
    `@sockets-typescript/socket runs only on Linux on x86-64 or arm64 (it calls the Linux C library ` +
    `directly); this is ${platform}/${arch}. Use the local lab on a Linux machine or a testbed host.`
  );
}

/** Throws (so the import fails) unless this is a supported platform. */
export function assertSupportedPlatform(): void {
  const problem = platformProblem();
  if (problem !== null) throw new Error(problem);
}
