import { isIPv4, isIPv6 } from "node:net";

/** Whether a string is an IPv4 or IPv6 CIDR with an address that parses and a prefix in range. */
export function isCidr(value: string): boolean {
    const [address, prefix, extra] = value.split("/");
    if (extra !== undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
    if (isIPv4(address)) return Number(prefix) <= 32;
    return isIPv6(address) && Number(prefix) <= 128;
}
