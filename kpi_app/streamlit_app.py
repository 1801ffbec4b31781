"""Entry script of the KPI app: `streamlit run kpi_app/streamlit_app.py -- --published FILE`.

`crmkpi app` runs it (Streamlit hands the script the arguments after `--`).
"""

import sys

from kpi_app.app import main

if __name__ == "__main__":
    main(sys.argv[1:])
