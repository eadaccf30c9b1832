/** An HTTP probe on a named container port; a probe that takes over 2 s counts as failed. */
export const httpProbe = (port: string, path: string, periodSeconds: number, failureThreshold = 3) => ({
    httpGet: { path, port },
    periodSeconds,
    failureThreshold,
    timeoutSeconds: 2,
});
