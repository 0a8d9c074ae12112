// Re-exports only: the public face of the socket module.
export {};
