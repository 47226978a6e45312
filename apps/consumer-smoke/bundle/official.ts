// The bundle-size program for the official SDK (scripts/bundle-budget.mjs): configure it, `asyncActions.get`.
import { VoucherifyServerSide } from "@voucherify/sdk"

const client = VoucherifyServerSide({ applicationId: "app-id", secretKey: "secret-key" })

client.asyncActions.get("aa_0adad3c6a2ca7d1a3a").then((action) => console.log(action.status))
