// Text files the bundler inlines (scripts/build.mjs, loader 'text').
declare module '*.service' {
  const text: string;
  export default text;
}
declare module '*.socket' {
  const text: string;
  export default text;
}
