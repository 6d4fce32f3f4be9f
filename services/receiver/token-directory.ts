import { hashToken } from '../../shared/domain/token.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { Store } from '../../shared/store/store.js';
import { errorFields } from '../../shared/logging/error-fields.js';

export interface TokenDirectory {
  /** True when the token hash belongs to some offer source. */
  knows(tokenHash: string): Promise<boolean>;
  /** Every offer source's token, to find and redact wherever a postback carries one. */
  secrets(): readonly string[];
  close(): void;
}

/**
 * The hashes of every offer source's postback token, kept in memory and refreshed
 * every `refreshMs`, so a postback costs no store access. An unknown hash triggers
 * at most four extra refreshes a second (shared by all requests), so a source created
 * a moment ago is found and a flood of bad tokens cannot hammer the store.
 */
export async function createTokenDirectory(store: Store, logger: Logger, refreshMs = 5000): Promise<TokenDirectory> {
  let hashes = new Set<string>();
  let secrets: readonly string[] = [];
  let loadedAt = 0;
  let loading: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    loading ??= (async () => {
      try {
        const sources = await store.offerSources.list();
        secrets = sources.flatMap((s) => (s.postback_token ? [s.postback_token] : []));
        hashes = new Set(secrets.map(hashToken));
        loadedAt = Date.now();
      } catch (err) {
        // Keep the last known set: a store hiccup must not turn every postback into a 403.
        logger.warn('token refresh failed', { err: errorFields(err) });
      } finally {
        loading = null;
      }
    })();
    return loading;
  };
  await refresh();
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();
  return {
    async knows(tokenHash) {
      if (hashes.has(tokenHash)) return true;
      if (Date.now() - loadedAt > 250) await refresh();
      return hashes.has(tokenHash);
    },
    secrets: () => secrets,
    close: () => clearInterval(timer),
  };
}
