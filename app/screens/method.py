"""Method and sources: how the model counts and how targets are read (in brief; docs/methodology.md in full),
the registry's indicator and lever definitions, and every source URL the bundled data cites, as links."""

import streamlit as st

from jobsim.app import layout, services
from jobsim.app.text import t
from jobsim.model import api

lang, present = layout.lang(), layout.present()
ss = st.session_state
region = ss["region"]
st.title(t("page_method", lang))
st.caption(t("method_intro", lang))
st.markdown(t("method_text", lang))


def headed(table):
    """`table` with its columns named in the chosen language (text keys col_<column>)."""
    return table.rename(columns={c: t(f"col_{c}", lang) for c in table.columns})


st.subheader(t("definitions", lang))
st.dataframe(headed(api.indicator_definitions(lang)), hide_index=True, key="method_indicators",
             column_config={t("col_modelled", lang): st.column_config.CheckboxColumn()})

st.subheader(t("levers_table", lang))
st.dataframe(headed(api.lever_definitions(lang)), hide_index=True, key="method_levers")

st.subheader(t("sources", lang))
scope = "all"
if not present:
    region_name = services.region_names(lang).get(region, region)
    scope = st.radio(t("sources_scope", lang), ["all", "region"], horizontal=True, key="method_sources_scope",
                     format_func=lambda s: t("sources_all", lang) if s == "all"
                     else f"{t('sources_region', lang)}: {region_name}")
sources = services.data_sources(region if scope == "region" else None)
st.caption(t("sources_note", lang, n=sources["source_url"].nunique()))
url_column = t("col_source_url", lang)
st.dataframe(headed(sources), hide_index=True, key="method_sources",
             column_config={url_column: st.column_config.LinkColumn(url_column)})
