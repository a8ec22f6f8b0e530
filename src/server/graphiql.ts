/**
 * GraphiQL served by the server itself, so that it works with no internet access: yoga's GraphiQL
 * (`@graphql-yoga/render-graphiql`: GraphiQL with the explorer plugin, its fonts and the editor's
 * workers, all bundled) as a small page and a few long-cached scripts under {@link GRAPHIQL_ASSETS}.
 * The page runs no inline script and names no other host; its options travel as JSON data.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphiQLOptions } from 'graphql-yoga';

/** Where the page's scripts and stylesheet are served. */
export const GRAPHIQL_ASSETS = '/graphiql/';

/** One file of the page: its bytes and content type. */
interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** The files of the page, by path, and the versioned prefix they are served under. */
interface Assets {
  readonly prefix: string;
  readonly files: ReadonlyMap<string, Asset>;
}

const JS = 'text/javascript; charset=utf-8';

/** Sets the editor's worker URLs (read by the bundle as it loads), before the bundle. */
const PRELUDE = (prefix: string) => `self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: function (_moduleId, label) {
    var workers = { json: 'json.worker.js', graphql: 'graphql.worker.js' };
    return ${JSON.stringify(prefix)} + (workers[label] || 'editor.worker.js');
  },
};
`;

/** Renders GraphiQL into the page with the options the page carries. */
const START = `YogaGraphiQL.renderYogaGraphiQL(
  document.getElementById('root'),
  JSON.parse(document.getElementById('graphiql-options').textContent),
);
`;

let loading: Promise<Assets> | null = null;

/** The bundle, read once, on first use: it is 9 MB of JavaScript no other request needs. */
function assets(): Promise<Assets> {
  loading ??= import('@graphql-yoga/render-graphiql/graphiql').then((bundle) => {
    const hash = createHash('sha256');
    for (const part of [bundle.js, bundle.css, bundle.jsonWorker, bundle.graphqlWorker]) hash.update(part);
    const prefix = `${GRAPHIQL_ASSETS}${hash.digest('hex').slice(0, 16)}/`;
    const file = (text: string, type: string): Asset => ({ body: Buffer.from(text), type });
    const files = new Map<string, Asset>([
      ['graphiql.js', file(`${PRELUDE(prefix)};${bundle.js};\n${START}`, JS)],
      ['graphiql.css', file(bundle.css, 'text/css; charset=utf-8')],
      ['editor.worker.js', file(bundle.editorWorkerService, JS)],
      ['json.worker.js', file(bundle.jsonWorker, JS)],
      ['graphql.worker.js', file(bundle.graphqlWorker, JS)],
      ['favicon.ico', dataUrlFile(bundle.favicon)],
    ]);
    return { prefix, files };
  });
  return loading;
}

/** The bytes and type of a `data:TYPE;base64,...` URL. */
function dataUrlFile(url: string): Asset {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match === null) return { body: Buffer.alloc(0), type: 'image/x-icon' };
  return { body: Buffer.from(match[2]!, 'base64'), type: match[1]! };
}

/** Text that is safe inside a `<script type="application/json">` or an element: no `<`, `>` or `&`. */
function escapeForHtml(text: string): string {
  return text.replace(/[<>&]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The GraphiQL page: yoga calls it with the page's options (the endpoint among them). */
export async function renderGraphiQLPage(options: GraphiQLOptions): Promise<string> {
  const { prefix } = await assets();
  const title = (options.title ?? 'GraphiQL').replace(
    /[<>&"]/g,
    (character) => `&#${character.charCodeAt(0)};`,
  );
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${prefix}favicon.ico" />
    <link rel="stylesheet" href="${prefix}graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${escapeForHtml(JSON.stringify(options))}</script>
    <script src="${prefix}graphiql.js"></script>
  </body>
</html>
`;
}

/**
 * Answers a GET or HEAD of one of the page's files and returns true; returns false, having done
 * nothing, for any other request. A file of another version of the bundle is a 404.
 */
export function answerGraphiQLAsset(request: IncomingMessage, response: ServerResponse): boolean {
  const path = request.url?.split('?')[0] ?? '';
  if (!path.startsWith(GRAPHIQL_ASSETS) || (request.method !== 'GET' && request.method !== 'HEAD')) {
    return false;
  }
  void assets().then(({ prefix, files }) => {
    const asset = path.startsWith(prefix) ? files.get(path.slice(prefix.length)) : undefined;
    if (asset === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    response.writeHead(200, {
      'content-type': asset.type,
      'content-length': asset.body.length,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  });
  return true;
}
