// The relay as a Worker module: the npm package's `relay` export, as is.
export { default } from 'app-store-connect-publish/relay';
