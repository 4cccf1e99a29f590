module.exports = require('./jest.e2e.cjs').e2eProject('embedded');
