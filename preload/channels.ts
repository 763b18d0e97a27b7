/** The one synchronous IPC message: the preload asks the main process for the contract's names. */
export const CONTRACT_NAMES_CHANNEL = 'contract:names';
