// An ExecStart= line from an argv. systemd does its own word splitting and expansion
// (systemd.service(5), "Command lines"): each word goes in double quotes with \ and "
// escaped, and % (specifiers) and $ (environment) doubled, so a path with spaces or those
// characters reaches the program as it is.
const word = (arg: string): string =>
  `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;

export const systemdExec = (argv: readonly string[]): string => argv.map(word).join(' ');
