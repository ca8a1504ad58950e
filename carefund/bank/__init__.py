"""Money through the bank: batches of disbursements, the bank batch payment file (代发文件),
the bank's return file (回盘), its statement (对账单), matching and the monthly
reconciliation (银行存款余额调节表).

`batches` selects and steps, `transfer_file` writes what the bank pays from, `returns`
applies what it answers, `statement_lines` imports and matches its statement,
`reconciliation` balances a month and books the bank's own lines.
"""
