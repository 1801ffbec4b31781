"""The Streamlit KPI app: reads the published warehouse file only, read-only (`crmkpi app`)."""
