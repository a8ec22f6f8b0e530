/**
 * The resource-store server: GraphQL over HTTP and websocket on one port.
 */
export { type App, type AppConfig, createApp, type StoreSource } from './app.ts';
export { GRAPHQL_PATH } from './yoga.ts';
