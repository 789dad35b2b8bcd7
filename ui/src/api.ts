// The only file that talks to the Rust side. Types come from ui/src/bindings (generated from Rust).
import { invoke } from "@tauri-apps/api/core";
import type { ApiError } from "./bindings/ApiError";
import type { CatalogSummary } from "./bindings/CatalogSummary";
import type { EntryView } from "./bindings/EntryView";
import type { SearchHit } from "./bindings/SearchHit";

export type { ApiError, CatalogSummary, EntryView, SearchHit };

/** Turns whatever a command threw into an ApiError with a Chinese message. */
export function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as ApiError;
  return { code: "invalid_input", message: `操作未完成：${String(e)}` };
}

export const api = {
  listCatalogs: () => invoke<CatalogSummary[]>("list_catalogs"),
  searchItems: (query: string, catalog: string | null) =>
    invoke<SearchHit[]>("search_items", { query, catalog }),
  showItem: (code: string, catalog: string | null) =>
    invoke<EntryView>("show_item", { code, catalog }),
};
